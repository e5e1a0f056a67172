"""Back-office reads on proposals: the admin list (tabs, filters, the review columns), the
department officers' queue and the dashboard (알림판).

Every column of a list row is computed in the one SQL query that reads the page: the latest
department answer through subqueries, the approved-answer count through a counting subquery,
the review and its lead department through joins. A page costs the same number of queries
whatever its length."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField, Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.agencies.permissions import can_administer
from deliberation.ids import row_id

from .models import AnswerStatus, DepartmentAnswer, Proposal, Reassignment, Review
from .selectors import officer_departments, proposals_for_site

PAGE_SIZE = 50
SEARCH_MAX = 100
NONE = "none"  # the filter value for "no value yet" (no answer, no lead department, …)


class Tab:
    ALL = "all"
    PUBLIC = "public"
    PRIVATE = "private"
    FAILED = "failed"
    TRASH = "trash"
    CHOICES = (
        (ALL, _("All")),
        (PUBLIC, _("Public")),
        (PRIVATE, _("Private")),
        (FAILED, _("Failed the vote")),
        (TRASH, _("Trash")),
    )
    VALUES = tuple(value for value, _label in CHOICES)


@dataclass(frozen=True)
class AdminFilters:
    tab: str = Tab.ALL
    created_from: date | None = None
    created_to: date | None = None
    review_from: date | None = None
    review_to: date | None = None
    department: str = ""  # a department id, NONE (in review, unassigned) or "" (any)
    decision: str = ""  # a Decision value, NONE (in review, no answer yet) or ""
    approval: str = ""  # an AnswerStatus value, NONE or ""
    reassignment: str = ""  # "pending", "done", NONE or ""
    result: str = ""  # a ReviewResult value, NONE or ""
    category: str = ""
    agency: str = ""  # an agency slug; only the city's list offers it
    overdue: bool = False
    q: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _date_range(field: str, start: date | None, end: date | None) -> Q:
    """Whole local days, as a range on the column (an index can serve it, unlike __date)."""
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": _day_start(start)})
    if end:
        q &= Q(**{f"{field}__lt": _day_start(end + timedelta(days=1))})
    return q


def _latest_answer(field: str) -> Subquery:
    return Subquery(
        DepartmentAnswer.objects.filter(review__proposal=OuterRef("pk"))
        .order_by("-written_at", "-id").values(field)[:1]
    )


def _approved_count() -> Coalesce:
    approved = (
        DepartmentAnswer.objects.filter(review__proposal=OuterRef("pk"), status=AnswerStatus.APPROVED)
        .order_by().values("review").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(approved, output_field=IntegerField()), Value(0))


def failed_q(now) -> Q:
    """투표탈락: marked by the sweep, or the period ended below the answer threshold and the
    sweep has not run yet."""
    return Q(failed_at__isnull=False) | Q(closes_at__lte=now, review_started_at__isnull=True)


def overdue_q(now) -> Q:
    """The review deadline passed and no department answer was approved."""
    return Q(review__deadline__lt=now, replies=0)


TAB_Q = {
    Tab.ALL: lambda now: Q(trashed_at__isnull=True),
    Tab.PUBLIC: lambda now: Q(trashed_at__isnull=True, is_public=True),
    Tab.PRIVATE: lambda now: Q(trashed_at__isnull=True, is_public=False),
    Tab.FAILED: lambda now: Q(trashed_at__isnull=True) & failed_q(now),
    Tab.TRASH: lambda now: Q(trashed_at__isnull=False),
}


def _with_review_columns(qs: QuerySet[Proposal], now) -> QuerySet[Proposal]:
    return qs.select_related("agency", "author", "review", "review__lead_department").annotate(
        replies=_approved_count(),
        latest_decision=_latest_answer("decision"),
        latest_status=_latest_answer("status"),
        latest_written_at=_latest_answer("written_at"),
    ).annotate(
        is_overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def _choice_q(field: str, value: str) -> Q:
    """A review filter: a stored value, or NONE for "in review, nothing yet"."""
    if not value:
        return Q()
    if value != NONE:
        return Q(**{field: value})
    nothing = Q(**{f"{field}__isnull": True}) if field.startswith("latest_") else Q(**{field: ""})
    return Q(review__isnull=False) & nothing


def _filtered(*, site: Agency, filters: AdminFilters, now) -> QuerySet[Proposal]:
    qs = _with_review_columns(proposals_for_site(site=site), now)
    qs = qs.filter(
        _date_range("created_at", filters.created_from, filters.created_to),
        _date_range("review_started_at", filters.review_from, filters.review_to),
    )
    if filters.department == NONE:
        qs = qs.filter(review__isnull=False, review__lead_department__isnull=True)
    elif filters.department:
        qs = qs.filter(review__lead_department_id=filters.department)
    qs = qs.filter(
        _choice_q("latest_decision", filters.decision),
        _choice_q("latest_status", filters.approval),
        _choice_q("review__reassignment", filters.reassignment),
        _choice_q("review__result", filters.result),
    )
    if filters.category:
        qs = qs.filter(policy_category=filters.category)
    if filters.agency and site.is_city:
        qs = qs.filter(agency__slug=filters.agency)
    if filters.overdue:
        qs = qs.filter(overdue_q(now))
    for word in filters.q.split()[:5]:
        match = Q(title__icontains=word) | Q(body__icontains=word)
        if row_id(word) is not None:
            match |= Q(pk=row_id(word))
        qs = qs.filter(match)
    return qs


def admin_proposals(*, site: Agency, filters: AdminFilters = AdminFilters(), now=None) -> QuerySet[Proposal]:
    """The admin list of `site`: the agency's proposals; on the city's site every agency's
    (the archive). The tab and the filters apply; newest first. Rows carry `replies`,
    `latest_decision`, `latest_status`, `latest_written_at` and `is_overdue`."""
    now = now or timezone.now()
    tab = filters.tab if filters.tab in TAB_Q else Tab.ALL
    return _filtered(site=site, filters=filters, now=now).filter(TAB_Q[tab](now)).order_by("-created_at", "-id")


def tab_counts(*, site: Agency, filters: AdminFilters = AdminFilters(), now=None) -> dict[str, int]:
    """How many proposals each tab holds under the current filters: one query."""
    now = now or timezone.now()
    qs = _filtered(site=site, filters=filters, now=now).order_by()
    return qs.aggregate(**{tab: Count("pk", filter=TAB_Q[tab](now)) for tab in Tab.VALUES})


# --- the columns, shared by the screen and the Excel export ----------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    label: str
    city_only: bool = False


COLUMNS = (
    Column("number", _("No.")),
    Column("agency", _("Agency"), city_only=True),
    Column("public", _("Public")),
    Column("title", _("Title")),
    Column("author", _("Author")),
    Column("views", _("Views")),
    Column("supports", _("Supports")),
    Column("replies", _("Replies")),
    Column("comments", _("Comments")),
    Column("created", _("Created")),
    Column("review_start", _("Review start")),
    Column("deadline", _("Review deadline")),
    Column("lead_department", _("Lead department")),
    Column("opinion_date", _("Department opinion date")),
    Column("category", _("Policy category")),
    Column("decision", _("Department decision")),
    Column("approval", _("Admin approval")),
    Column("reassignment", _("Reassignment")),
    Column("result", _("Review result")),
    Column("decided", _("Decided proposal")),
    Column("good", _("Good proposal")),
    Column("offline", _("Offline")),
    Column("overdue", _("Overdue")),
)


def columns_for(site: Agency) -> list[Column]:
    return [c for c in COLUMNS if site.is_city or not c.city_only]


def row_values(proposal: Proposal) -> dict:
    """One list row as plain values (text, numbers, aware datetimes, None) keyed by column.
    The row must come from `admin_proposals`."""
    from .models import AnswerStatus as Status, Decision, PolicyCategory, ReviewResult

    review = getattr(proposal, "review", None)
    yes = str(_("yes"))

    def label(choices, value):
        return str(choices(value).label) if value else ""

    return {
        "number": proposal.pk,
        "agency": proposal.agency.name,
        "public": str(_("Public") if proposal.is_public else _("Private")),
        "title": proposal.title,
        "author": proposal.author_label,
        "views": proposal.view_count,
        "supports": proposal.support_count,
        "replies": proposal.replies,
        "comments": proposal.comment_count,
        "created": proposal.created_at,
        "review_start": proposal.review_started_at,
        "deadline": review.deadline if review else None,
        "lead_department": review.lead_department.name if review and review.lead_department else "",
        "opinion_date": proposal.latest_written_at,
        "category": label(PolicyCategory, proposal.policy_category),
        "decision": label(Decision, proposal.latest_decision),
        "approval": label(Status, proposal.latest_status),
        "reassignment": label(Reassignment, review.reassignment) if review else "",
        "result": label(ReviewResult, review.result) if review else "",
        "decided": yes if review and review.is_decided else "",
        "good": yes if proposal.is_good else "",
        "offline": yes if proposal.is_offline else "",
        "overdue": yes if proposal.is_overdue else "",
    }


# --- department officers ---------------------------------------------------------------------
def _reviews_with_latest_answer(qs: QuerySet[Review]) -> QuerySet[Review]:
    latest = DepartmentAnswer.objects.filter(review=OuterRef("pk")).order_by("-written_at", "-id")
    return qs.select_related("proposal", "lead_department").annotate(
        latest_status=Subquery(latest.values("status")[:1]),
        latest_return_note=Subquery(latest.values("return_note")[:1]),
        approved_count=Coalesce(Subquery(
            DepartmentAnswer.objects.filter(review=OuterRef("pk"), status=AnswerStatus.APPROVED)
            .order_by().values("review").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField()), Value(0)),
    )


def _overdue_reviews(qs: QuerySet[Review], now) -> QuerySet[Review]:
    return qs.annotate(is_overdue=Case(
        When(Q(deadline__lt=now, approved_count=0), then=Value(True)),
        default=Value(False), output_field=BooleanField(),
    ))


def officer_queue(*, user, site: Agency, now=None) -> QuerySet[Review]:
    """Reviews of `site`'s own proposals led by one of the user's departments that still need
    an answer: none yet, or the latest was sent back. An agency admin who is no officer sees
    every department's queue (to follow it up). Earliest deadline first."""
    now = now or timezone.now()
    departments = list(officer_departments(user, site))
    qs = Review.objects.filter(proposal__agency=site, proposal__trashed_at__isnull=True)
    if departments:
        qs = qs.filter(lead_department_id__in=departments)
    elif can_administer(user, site):
        qs = qs.filter(lead_department__isnull=False)
    else:
        return Review.objects.none()
    qs = _overdue_reviews(_reviews_with_latest_answer(qs), now)
    return qs.filter(Q(latest_status__isnull=True) | Q(latest_status=AnswerStatus.RETURNED)).order_by(
        "deadline", "pk")


def review_answers(*, review: Review) -> QuerySet[DepartmentAnswer]:
    """A review's answers, oldest first, with who wrote and who decided."""
    return review.answers.select_related("department", "written_by", "decided_by")


# --- dashboard (알림판) ----------------------------------------------------------------------
@dataclass(frozen=True)
class Dashboard:
    reviews_due: list
    reviews_due_count: int
    overdue_count: int
    answers_waiting: list
    answers_waiting_count: int
    reassignments_pending: list
    reassignments_pending_count: int
    draft_debates: list
    draft_debates_count: int
    now: datetime


DASHBOARD_LIMIT = 20


def dashboard(*, site: Agency, now=None, limit: int = DASHBOARD_LIMIT) -> Dashboard:
    """What needs the admin of `site` next. Only the site's own agency: these are things to
    act on, and the city's admins do not act on a partner agency's proposals."""
    now = now or timezone.now()
    reviews = Review.objects.filter(proposal__agency=site, proposal__trashed_at__isnull=True)
    due = _overdue_reviews(_reviews_with_latest_answer(reviews), now).filter(approved_count=0)
    waiting = (
        DepartmentAnswer.objects.filter(review__proposal__agency=site, status=AnswerStatus.SUBMITTED,
                                        review__proposal__trashed_at__isnull=True)
        .select_related("review__proposal", "department", "written_by").order_by("written_at", "pk")
    )
    pending = reviews.filter(reassignment=Reassignment.PENDING).select_related(
        "proposal", "lead_department").order_by("deadline", "pk")
    drafts = (
        Proposal.objects.filter(agency=site, promoted_at__isnull=False, debate__is_published=False,
                                trashed_at__isnull=True)
        .select_related("debate").order_by("promoted_at", "pk")
    )
    due_counts = due.order_by().aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(is_overdue=True)))
    return Dashboard(
        reviews_due=list(due.order_by("deadline", "pk")[:limit]),
        reviews_due_count=due_counts["total"], overdue_count=due_counts["overdue"],
        answers_waiting=list(waiting[:limit]), answers_waiting_count=waiting.count(),
        reassignments_pending=list(pending[:limit]), reassignments_pending_count=pending.count(),
        draft_debates=list(drafts[:limit]), draft_debates_count=drafts.count(),
        now=now,
    )
