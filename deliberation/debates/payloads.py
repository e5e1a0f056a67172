"""The public data of a debate as domain events carry it (deliberation/events.py)."""

from django.utils import timezone

from deliberation.agencies.sites import site_reverse

from .models import Debate
from .selectors import debate_live_state


def _iso(value):
    return value.isoformat() if value else None


def debate_data(debate: Debate, *, now=None) -> dict:
    now = now or timezone.now()
    return {
        "id": debate.pk,
        "agency": debate.agency.slug,
        "title": debate.title,
        "body": debate.body,
        "vote_type": debate.vote_type,
        "entry": debate.entry,
        "status": debate.status_at(now),
        "opens_at": _iso(debate.opens_at),
        "closes_at": _iso(debate.closes_at),
        "results_published_at": _iso(debate.results_published_at),
        "path": site_reverse(debate.agency, "debate_detail", pk=debate.pk),
    }


def results_data(debate: Debate) -> dict:
    """The debate, the agency's written response and the public tally (the same numbers the
    results page and the live stream show)."""
    state = debate_live_state(debate.pk) or {}
    results = {key: state[key] for key in ("options", "questions", "opinions", "total") if key in state}
    return {"debate": debate_data(debate), "result_text": debate.result_text, "results": results}
