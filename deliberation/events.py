"""Domain events: what happened, told to whoever listens, without knowing who that is.

The twin of `announcements.py`. Announcements say "this object changed, rebuild its numbers"
and fire after commit (a lost one is healed by the next). Events say "this happened once"
(a proposal was filed, crossed a threshold, a debate opened) and must be neither lost nor
invented, so `emit()` hands them to the recorder named by settings.DELIBERATION_EVENT_HANDLER
*inside* the caller's transaction: the webhooks app writes its outbox rows there, and they
commit or roll back with the change itself. Nothing leaves the process until a worker reads
the committed rows (`deliberation/webhooks/worker.py`). Nothing in `deliberation/` outside
`webhooks/` imports the webhooks app.

Each event is emitted exactly once per real event: the services call `emit()` where a
milestone column goes from NULL to a value (or a status changes once), never on a repeat."""

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


class Event:
    PROPOSAL_FILED = "proposal.filed"
    PROPOSAL_THRESHOLD_REACHED = "proposal.threshold_reached"  # the answer threshold (50 supports)
    PROPOSAL_IN_REVIEW = "proposal.in_review"
    PROPOSAL_ANSWER_APPROVED = "proposal.answer_approved"
    PROPOSAL_PROMOTED = "proposal.promoted"  # the debate threshold (500 supports)
    DEBATE_OPENED = "debate.opened"
    DEBATE_CLOSED = "debate.closed"
    DEBATE_RESULTS_PUBLISHED = "debate.results_published"

    ALL = (
        PROPOSAL_FILED, PROPOSAL_THRESHOLD_REACHED, PROPOSAL_IN_REVIEW, PROPOSAL_ANSWER_APPROVED,
        PROPOSAL_PROMOTED, DEBATE_OPENED, DEBATE_CLOSED, DEBATE_RESULTS_PUBLISHED,
    )


@lru_cache(maxsize=1)
def _handler():
    path = getattr(settings, "DELIBERATION_EVENT_HANDLER", None)
    return import_string(path) if path else (lambda *args, **kwargs: None)


def emit(event: str, *, agency_id: int, payload: dict | Callable[[], dict]) -> None:
    """Records one event of an agency in the current transaction (or in one of its own when
    called outside any). `payload` is the object's public data, JSON-ready, or a function
    that builds it: the handler calls it only when someone listens, so an event nobody
    subscribed to costs one query."""
    if event not in Event.ALL:
        raise ValueError(f"unknown event {event!r}")
    with transaction.atomic():
        _handler()(event, agency_id=agency_id, payload=payload)
