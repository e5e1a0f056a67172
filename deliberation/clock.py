"""The clock's sweep: every rule that must happen when time passes, with no admin action.

Pages never wait for it (phases and statuses are derived from the clock when read); the sweep
stores the outcome (a failed proposal; a debate's opening and closing told once to the
event listeners, deliberation/events.py) so lists, counts and audit entries agree. Each job is
idempotent: running the sweep twice, or in two processes at once, changes nothing more."""

from django.utils import timezone

from deliberation.debates.services import emit_period_events
from deliberation.integrations.idempotency import purge_expired
from deliberation.proposals.services import close_expired_periods


def sweep(*, now=None) -> dict[str, int]:
    now = now or timezone.now()
    return {"proposals_failed": close_expired_periods(now=now), **emit_period_events(now=now),
            "idempotency_records_purged": purge_expired(now=now)}
