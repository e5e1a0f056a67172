"""The live dashboard (알림판) of one site: counters an admin watches during an event. Reads only.

Scope. An agency's site counts its own rows. The city's site counts every agency's rows, the
city's own included: it is the city-wide archive (every agency's proposals are cross-listed
on the city's site, `proposals.selectors.proposals_for_site`, and the city's back-office list
shows them all, `managed_agencies_q`). That differs on purpose from the proposals to-do
dashboard (`proposals.admin_selectors.dashboard`), which is the site's own work only.

Who may see it: the site's agency admins and the platform admin (`can_view_dashboard`).

People connected now is not a row: realtime adds it (sockets on the site's groups, in every
server process), using `debate_agencies` / `proposal_agencies` to tell whose groups they are."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from deliberation.comments.models import CommentReport
from deliberation.debates.models import Ballot, Debate
from deliberation.errors import NotFound
from deliberation.proposals.models import AnswerStatus, DepartmentAnswer, Proposal, Review, Support

from .models import Agency
from .permissions import can_administer
from .selectors import site_for_slug

RATE_WINDOW = timedelta(minutes=1)
MAX_IDS_PER_QUERY = 5_000


def can_view_dashboard(user, site: Agency) -> bool:
    return can_administer(user, site)


def dashboard_site_id(user, site_slug: str | None) -> int | None:
    """For the realtime join check: the id of the site at this path when the user may see its
    dashboard, else None (no such site, or not allowed)."""
    try:
        site = site_for_slug(site_slug)
    except NotFound:
        return None
    return site.pk if can_view_dashboard(user, site) else None


def _day_start(now: datetime) -> datetime:
    """Midnight of `now`'s day in the site's time zone (settings.TIME_ZONE, Asia/Seoul)."""
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def live_counters(*, site: Agency, now: datetime | None = None) -> dict:
    """The row-backed numbers of the dashboard, each one COUNT on an indexed range:

    - `ballots_per_minute`: ballots cast on the site's debates in the last 60 s (`Ballot.cast_at`).
    - `supports_per_minute`: supports (공감) given to the site's proposals in the last 60 s and
      not withdrawn since (a withdrawal deletes the `Support` row).
    - `proposals_today`: proposals filed since local midnight (Asia/Seoul), online and offline,
      public or private, not in the trash.
    - `reviews_due`: proposals past the answer threshold (a `Review` exists, 50공감 부서답변)
      with no approved department answer yet, not in the trash: the review is waiting for
      the department's answer or for the admin's approval of it (the same definition as
      the to-do dashboard's "reviews due").
    - `open_reports`: reports on comments that are still visible (neither hidden by a
      moderator nor deleted by their author), on the site's proposals and debates. Counted
      per report, so a comment reported by three people counts three.
    """
    now = now or timezone.now()
    city_wide = site.is_city
    since = now - RATE_WINDOW

    ballots = Ballot.objects.filter(cast_at__gt=since, cast_at__lte=now)
    supports = Support.objects.filter(created_at__gt=since, created_at__lte=now)
    proposals = Proposal.objects.filter(created_at__gte=_day_start(now), created_at__lte=now,
                                        trashed_at__isnull=True)
    approved = DepartmentAnswer.objects.filter(review=OuterRef("pk"), status=AnswerStatus.APPROVED)
    reviews = Review.objects.filter(proposal__trashed_at__isnull=True).filter(~Exists(approved))
    reports = CommentReport.objects.filter(comment__deleted_at__isnull=True, comment__hidden_at__isnull=True)
    if not city_wide:
        ballots = ballots.filter(debate__agency=site)
        supports = supports.filter(proposal__agency=site)
        proposals = proposals.filter(agency=site)
        reviews = reviews.filter(proposal__agency=site)
        reports = reports.filter(Q(comment__proposal__agency=site) | Q(comment__debate__agency=site))
    return {
        "agency": site.pk,
        "city_wide": city_wide,
        "ballots_per_minute": ballots.count(),
        "supports_per_minute": supports.count(),
        "proposals_today": proposals.count(),
        "reviews_due": reviews.count(),
        "open_reports": reports.count(),
    }


def live_counters_for_id(agency_id: int) -> dict | None:
    """The same, by the site's id (what realtime has); None for no such active site."""
    site = Agency.objects.filter(pk=agency_id, is_active=True).first()
    return None if site is None else live_counters(site=site)


def _agencies_of(model, ids) -> dict[int, int]:
    ids = sorted({int(i) for i in ids})
    found: dict[int, int] = {}
    for start in range(0, len(ids), MAX_IDS_PER_QUERY):
        chunk = ids[start : start + MAX_IDS_PER_QUERY]
        found.update(model.objects.filter(pk__in=chunk).values_list("pk", "agency_id"))
    return found


def debate_agencies(debate_ids) -> dict[int, int]:
    """debate id → its agency id, for the ids that exist."""
    return _agencies_of(Debate, debate_ids)


def proposal_agencies(proposal_ids) -> dict[int, int]:
    """proposal id → its agency id, for the ids that exist."""
    return _agencies_of(Proposal, proposal_ids)
