"""What the publisher can stream: for each announced kind, its group and the selector that
rebuilds the state from rows. The numbers come from the domain's selectors; realtime keeps no
rules of its own."""

from dataclasses import dataclass
from typing import Callable

from deliberation.agencies import dashboard as site_dashboard
from deliberation.announcements import Kind
from deliberation.comments import moderation as comment_moderation
from deliberation.comments import selectors as comment_selectors
from deliberation.debates import facilitation
from deliberation.debates import selectors as debate_selectors
from deliberation.proposals import selectors as proposal_selectors

from . import groups, protocol


@dataclass(frozen=True)
class Topic:
    group_prefix: str
    group: Callable[[int], str]
    state: Callable[[int], dict | None]
    message: Callable[..., dict]


def facilitator_screen_state(debate_id: int) -> dict | None:
    """The domain's facilitator state plus what only realtime knows: the sockets every server
    process holds on the debate's public group (people watching now)."""
    state = facilitation.facilitator_state(debate_id)
    if state is None:
        return None
    return {**state, "watching": watching(debate_id)}


def watching(debate_id: int) -> int:
    """Sockets on the debate's public group, summed over every server process
    (realtime/presence.py: this process's exactly, the others' as of a second or so ago)."""
    from .publisher import get_publisher  # the publisher imports this module

    presence = getattr(get_publisher().fanout, "presence", None)
    return presence.count(groups.debate(debate_id)) if presence is not None else 0


# Realtime's own kind: the domain never announces it. The dashboard is refreshed on a period
# while someone has it open (consumers.DashboardConsumer), never per ballot.
DASHBOARD = "site.dashboard"

# The groups whose sockets count as "people connected" to a site. Not comments (the proposal
# page opens it beside the proposal's socket), screens or dashboards (staff).
_AUDIENCE_SITE_GROUPS = (groups.SITE, groups.SITE_DEBATES)


def connected(agency_id: int, *, city_wide: bool) -> int:
    """Sockets on a site's public groups in every server process: its proposal and debate
    lists, and the pages of its debates and proposals. The city's site counts every agency's.
    A person with two pages open counts twice."""
    from .publisher import get_publisher  # the publisher imports this module

    presence = getattr(get_publisher().fanout, "presence", None)
    if presence is None:
        return 0
    total = 0
    debates: dict[int, int] = {}
    proposals: dict[int, int] = {}
    for group, n in presence.counts().items():
        parts = groups.split(group)
        if parts is None or n <= 0:
            continue
        prefix, object_id = parts
        if prefix in _AUDIENCE_SITE_GROUPS:
            total += n if city_wide or object_id == agency_id else 0
        elif prefix == groups.DEBATE:
            debates[object_id] = n
        elif prefix == groups.PROPOSAL:
            proposals[object_id] = n
    for counts, agencies_of in ((debates, site_dashboard.debate_agencies), (proposals, site_dashboard.proposal_agencies)):
        if counts:
            owners = agencies_of(counts)
            total += sum(n for object_id, n in counts.items()
                         if object_id in owners and (city_wide or owners[object_id] == agency_id))
    return total


def dashboard_state(agency_id: int) -> dict | None:
    """The domain's counters plus what only realtime knows: people connected now."""
    state = site_dashboard.live_counters_for_id(agency_id)
    if state is None:
        return None
    return {**state, "connected": connected(agency_id, city_wide=state["city_wide"])}


TOPICS: dict[str, Topic] = {
    Kind.DEBATE_TALLY: Topic(
        group_prefix=groups.DEBATE,
        group=groups.debate, state=debate_selectors.debate_live_state, message=protocol.tally
    ),
    Kind.PROPOSAL: Topic(
        group_prefix=groups.PROPOSAL,
        group=groups.proposal, state=proposal_selectors.proposal_live_state, message=protocol.proposal
    ),
    Kind.PROPOSAL_COMMENTS: Topic(
        group_prefix=groups.COMMENTS,
        group=groups.comments, state=proposal_selectors.proposal_comments_state, message=protocol.comments
    ),
    Kind.SITE_DEBATES: Topic(
        group_prefix=groups.SITE_DEBATES,
        group=groups.site_debates, state=debate_selectors.site_debate_summary, message=protocol.debate_summary
    ),
    Kind.FACILITATOR: Topic(
        group_prefix=groups.SCREEN,
        group=groups.screen, state=facilitator_screen_state, message=protocol.screen
    ),
    Kind.DEBATE_COMMENTS: Topic(
        group_prefix=groups.DEBATE_COMMENTS,
        group=groups.debate_comments, state=comment_selectors.debate_comments_state, message=protocol.comments
    ),
    Kind.MODERATION: Topic(
        group_prefix=groups.MODERATION,
        group=groups.moderation, state=comment_moderation.moderation_state, message=protocol.moderation
    ),
    Kind.SITE_PROPOSALS: Topic(
        group_prefix=groups.SITE,
        group=groups.site, state=proposal_selectors.site_proposal_counts, message=protocol.proposal_counts
    ),
    DASHBOARD: Topic(
        group_prefix=groups.DASHBOARD,
        group=groups.dashboard, state=dashboard_state, message=protocol.dashboard
    ),
}

# One topic per prefix, and every prefix of the form "<word>.": a group name maps back to
# exactly one topic (groups.split), whatever the order of this table.
_BY_PREFIX: dict[str, str] = {topic.group_prefix: kind for kind, topic in TOPICS.items()}
if len(_BY_PREFIX) != len(TOPICS) or any(groups.split(f"{p}1") != (p, 1) for p in _BY_PREFIX):
    raise RuntimeError("realtime topics need distinct group prefixes of the form '<word>.'")


def key_for_group(group: str) -> tuple[str, int] | None:
    """"site.3" → (Kind.SITE_PROPOSALS, 3); None for a group no topic streams."""
    parts = groups.split(group)
    if parts is None:
        return None
    kind = _BY_PREFIX.get(parts[0])
    return None if kind is None else (kind, parts[1])
