"""Reads on proposals: the public lists (with the cross-listing rule), a proposal on a site,
the live state the realtime layer streams, and the back office's lists and queues."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from deliberation.agencies.models import Agency, Membership, Role
from deliberation.agencies.permissions import can_administer, is_platform_admin
from deliberation.errors import NotFound

from .models import AnswerStatus, Phase, Proposal, Support

SORTS = {
    "newest": ("-created_at", "-id"),
    "supports": ("-support_count", "-created_at", "-id"),
    "active": ("-last_activity_at", "-id"),
}
SEARCH_MAX = 100


def proposals_for_site(*, site: Agency) -> QuerySet[Proposal]:
    """Cross-listing: an agency's proposals show on its own site and on the city's; the
    city's site lists every agency's proposals (the city-wide archive)."""
    qs = Proposal.objects.select_related("agency", "author")
    return qs if site.is_city else qs.filter(agency=site)


def _with_answer_counts(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return qs.annotate(
        approved_answers=Count("review__answers", filter=Q(review__answers__status=AnswerStatus.APPROVED))
    )


@dataclass(frozen=True)
class ListFilters:
    sort: str = "newest"
    category: str = ""
    theme: str = ""
    district: str = ""
    agency: str = ""  # an agency slug; only the city's list offers it
    q: str = ""
    phase: str = ""  # open / closed / failed, derived from the clock (the open API offers it)

    @classmethod
    def from_query(cls, params) -> "ListFilters":
        sort = params.get("sort", "newest")
        return cls(
            sort=sort if sort in SORTS else "newest",
            category=params.get("category", "")[:20],
            theme=params.get("theme", "").lstrip("#")[:30],
            district=params.get("district", "")[:20],
            agency=params.get("agency", "")[:50],
            q=" ".join(params.get("q", "").split())[:SEARCH_MAX],
        )


def listed_proposals(*, site: Agency, filters: ListFilters = ListFilters()) -> QuerySet[Proposal]:
    qs = proposals_for_site(site=site).filter(is_public=True, trashed_at__isnull=True)
    if filters.category:
        qs = qs.filter(policy_category=filters.category)
    if filters.theme:
        qs = qs.filter(themes__name=filters.theme)
    if filters.district:
        qs = qs.filter(district=filters.district)
    if filters.agency and site.is_city:
        qs = qs.filter(agency__slug=filters.agency)
    if filters.q:
        for word in filters.q.split()[:5]:
            qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    if filters.phase in Phase.values:
        qs = qs.filter(phase_q(filters.phase, timezone.now()))
    return _with_answer_counts(qs).prefetch_related("themes").order_by(*SORTS[filters.sort])


def phase_q(phase: str, now) -> Q:
    """`Proposal.phase_at` written as conditions on the columns."""
    ended = Q(closes_at__lte=now)
    return {
        Phase.OPEN: Q(closes_at__gt=now, failed_at__isnull=True),
        Phase.CLOSED: ended & Q(review_started_at__isnull=False, failed_at__isnull=True),
        Phase.FAILED: Q(failed_at__isnull=False) | (ended & Q(review_started_at__isnull=True)),
    }[phase]


def agency_proposals(*, agency: Agency) -> QuerySet[Proposal]:
    """Every proposal of one agency in any state (private, trashed, withdrawn): what its own
    partner platform may read with a `private:read` key. Never another agency's."""
    return _with_answer_counts(
        Proposal.objects.filter(agency=agency).select_related("agency", "author")
    ).prefetch_related("themes").order_by("-created_at", "-id")


def proposal_on_site(*, site: Agency, pk, user=None) -> Proposal:
    """A proposal as a visitor of `site` may see it: listed, and on this site by the
    cross-listing rule. Its agency's admins (and the platform admin) also see it when it is
    private or in the trash."""
    try:
        proposal = _with_answer_counts(proposals_for_site(site=site)).prefetch_related("themes").get(pk=pk)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not proposal.is_listed and not (user is not None and can_administer(user, proposal.agency)):
        raise NotFound()
    return proposal


def has_supported(*, proposal: Proposal, user) -> bool:
    return bool(user.is_authenticated and Support.objects.filter(proposal=proposal, citizen=user).exists())


def approved_answers(*, proposal: Proposal):
    from .models import DepartmentAnswer

    return DepartmentAnswer.objects.filter(
        review__proposal=proposal, status=AnswerStatus.APPROVED
    ).select_related("department")


# --- live state (streamed by the realtime layer) -------------------------------------------
LIVE_COMMENTS = 50
LIVE_LIST_SIZE = 200


def proposal_live_state(proposal_id: int) -> dict | None:
    proposal = (
        _with_answer_counts(Proposal.objects.filter(pk=proposal_id, is_public=True, trashed_at__isnull=True))
        .select_related("agency").first()
    )
    if proposal is None:
        return None
    now = timezone.now()
    return {
        "proposal": proposal.pk,
        "supports": proposal.support_count,
        "partner_supports": proposal.partner_support_count,
        "comments": proposal.comment_count,
        "phase": proposal.phase_at(now),
        "closes_at": proposal.closes_at.isoformat(),
        "in_review": proposal.review_started_at is not None,
        "best": proposal.promoted_at is not None,
        "answers": proposal.approved_answers,
        "thresholds": [proposal.agency.answer_threshold, proposal.agency.debate_threshold],
    }


def proposal_comments_state(proposal_id: int) -> dict | None:
    """The latest visible comments of a listed proposal: sent only when comments change."""
    from deliberation.comments.selectors import recent_visible, stream_entries

    proposal = Proposal.objects.filter(pk=proposal_id, is_public=True, trashed_at__isnull=True).only(
        "pk", "comment_count").first()
    if proposal is None:
        return None
    return {
        "proposal": proposal.pk,
        "comments": proposal.comment_count,
        "recent_comments": stream_entries(recent_visible(proposal_id=proposal.pk, limit=LIVE_COMMENTS)),
    }


def site_proposal_counts(agency_id: int) -> dict | None:
    """The counts a site's list shows, for its most recently active proposals (the ones a
    list page is likely to show). Keys are strings: the frame is JSON."""
    try:
        site = Agency.objects.get(pk=agency_id)
    except Agency.DoesNotExist:
        return None
    rows = (
        proposals_for_site(site=site).filter(is_public=True, trashed_at__isnull=True)
        .order_by("-last_activity_at", "-id")
        .values_list("pk", "support_count", "comment_count")[:LIVE_LIST_SIZE]
    )
    return {"site": agency_id, "proposals": {str(pk): [supports, comments] for pk, supports, comments in rows}}


def proposal_visible_on_site(*, proposal_id: int, site_slug: str | None) -> bool:
    from deliberation.agencies.selectors import site_for_slug

    try:
        site = site_for_slug(site_slug)
    except NotFound:
        return False
    return proposals_for_site(site=site).filter(pk=proposal_id, is_public=True, trashed_at__isnull=True).exists()


# --- back office ---------------------------------------------------------------------------
def managed_agencies_q(user, site: Agency) -> Q:
    """Which proposals a back-office list on `site` shows: the agency's own; on the city's
    site, every agency's (the archive) for the city's admins and the platform admin."""
    return Q() if site.is_city else Q(agency=site)


def officer_departments(user, agency: Agency):
    return Membership.objects.filter(
        user=user, agency=agency, role=Role.OFFICER
    ).values_list("department_id", flat=True)


def is_officer_of(user, agency: Agency, department_id) -> bool:
    if not (user.is_authenticated and user.is_active) or department_id is None:
        return False
    return Membership.objects.filter(
        user=user, agency=agency, role=Role.OFFICER, department_id=department_id
    ).exists()


def can_view_back_office(user, site: Agency) -> bool:
    return can_administer(user, site) or is_platform_admin(user)
