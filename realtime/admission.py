"""Who may open a topic's socket, remembered for a few seconds per process so that a
reconnect storm costs the database nothing (one query per topic per TTL, not per socket)."""

import time

from channels.db import database_sync_to_async

from deliberation.debates.selectors import debate_belongs_to_site

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


def forget() -> None:
    """For tests: drop what was remembered."""
    _cache.clear()
