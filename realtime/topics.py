"""What the publisher can stream: for each announced kind, its group and the selector that
rebuilds the state from rows. The numbers come from the domain's selectors; realtime keeps no
rules of its own."""

from dataclasses import dataclass
from typing import Callable

from deliberation.announcements import Kind
from deliberation.debates import selectors as debate_selectors

from . import groups, protocol


@dataclass(frozen=True)
class Topic:
    group_prefix: str
    group: Callable[[int], str]
    state: Callable[[int], dict | None]
    message: Callable[..., dict]


TOPICS: dict[str, Topic] = {
    Kind.DEBATE_TALLY: Topic(
        group_prefix=groups.DEBATE,
        group=groups.debate, state=debate_selectors.debate_live_state, message=protocol.tally
    ),
}
