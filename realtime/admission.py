"""Who may open a topic's socket, remembered for a few seconds per process so that a
reconnect storm costs the database nothing (one query per topic per TTL, not per socket)."""

import time

from channels.db import database_sync_to_async

from deliberation.agencies.selectors import site_for_slug
from deliberation.debates.selectors import debate_belongs_to_site
from deliberation.errors import NotFound
from deliberation.proposals.selectors import proposal_visible_on_site as _proposal_visible_on_site

ADMISSION_TTL_SECONDS = 5.0

_cache: dict[tuple, tuple[float, bool]] = {}


async def debate_visible_on_site(*, debate_id: int, site_slug: str | None) -> bool:
    key = ("debate", debate_id, site_slug)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    visible = await database_sync_to_async(debate_belongs_to_site)(debate_id=debate_id, site_slug=site_slug)
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[key] = (now + ADMISSION_TTL_SECONDS, visible)
    return visible


async def _remembered(key: tuple, read):
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = await database_sync_to_async(read)()
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[key] = (now + ADMISSION_TTL_SECONDS, value)
    return value


async def proposal_visible_on_site(*, proposal_id: int, site_slug: str | None) -> bool:
    """Listed (public, not trashed) and shown on this site by the cross-listing rule: an
    agency's proposal on its own site and the city's, a city proposal on the city's only."""
    return await _remembered(
        ("proposal", proposal_id, site_slug),
        lambda: _proposal_visible_on_site(proposal_id=proposal_id, site_slug=site_slug),
    )


def _site_id(site_slug: str | None) -> int | None:
    try:
        return site_for_slug(site_slug).pk
    except NotFound:
        return None


async def site_id_for_slug(site_slug: str | None) -> int | None:
    """The agency id of the site at this path (None, the root, is the city's), or None when
    no active site has that slug."""
    return await _remembered(("site", site_slug), lambda: _site_id(site_slug))


def forget() -> None:
    """For tests: drop what was remembered."""
    _cache.clear()
