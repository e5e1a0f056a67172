"""Reads on execution items: which proposals and debates can be tracked, the public board
(with the proposals' cross-listing rule: the city's board shows every agency's public items,
an agency's board only its own), an item's timeline, who may follow, a citizen's followed
items, the home-page counter and the back-office list with its columns."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.debates.models import Ballot, Debate, Opinion
from deliberation.errors import NotFound
from deliberation.proposals.models import AnswerStatus, Decision, Proposal, ReviewResult, Support
from deliberation.ids import row_id

from .models import ExecutionFollow, ExecutionItem, ExecutionStatus, ExecutionUpdate
from .permissions import can_manage_executions, officer_department_ids

PAGE_SIZE = 50
BOARD_PAGE_SIZE = 20
SEARCH_MAX = 100


# --- what can be tracked -----------------------------------------------------------------------
def adopted_q() -> Q:
    """An adopted proposal: its department's answer was approved by the admin with the
    decision "accept" or "partially accept", or the admin set the review result to
    "adopted" or "partly adopted". (A proposal promoted to a debate is tracked through that
    debate once its results are published.)"""
    return Q(review__answers__status=AnswerStatus.APPROVED,
             review__answers__decision__in=[Decision.ACCEPT, Decision.PARTIAL]) | Q(
        review__result__in=[ReviewResult.ADOPTED, ReviewResult.PARTLY_ADOPTED])


def is_adopted(proposal: Proposal) -> bool:
    return Proposal.objects.filter(adopted_q(), pk=proposal.pk).exists()


def results_published_q(now) -> Q:
    return Q(is_published=True, results_published_at__isnull=False, results_published_at__lte=now)


def has_published_results(debate: Debate, now=None) -> bool:
    return Debate.objects.filter(results_published_q(now or timezone.now()), pk=debate.pk).exists()


def trackable_proposals(*, agency: Agency) -> QuerySet[Proposal]:
    """The agency's own adopted proposals that have no item yet."""
    return (Proposal.objects.filter(adopted_q(), agency=agency, trashed_at__isnull=True,
                                    execution_items__isnull=True)
            .distinct().order_by("-id"))


def trackable_debates(*, agency: Agency, now=None) -> QuerySet[Debate]:
    """The agency's own debates whose results are published and that have no item yet."""
    return (Debate.objects.filter(results_published_q(now or timezone.now()), agency=agency,
                                  trashed_at__isnull=True, execution_items__isnull=True)
            .order_by("-id"))


def item_of_source(*, proposal: Proposal | None = None, debate: Debate | None = None) -> ExecutionItem | None:
    if proposal is not None:
        return ExecutionItem.objects.filter(proposal=proposal).first()
    return ExecutionItem.objects.filter(debate=debate).first()


def public_item_of(*, proposal: Proposal | None = None, debate: Debate | None = None) -> ExecutionItem | None:
    """The public item that carries out a proposal (directly, or through the debate it was
    promoted to) or a debate, for the link on their public pages."""
    qs = ExecutionItem.objects.filter(is_public=True).select_related("agency")
    if proposal is not None:
        source = Q(proposal=proposal)
        if proposal.debate_id:
            source |= Q(debate_id=proposal.debate_id)
        return qs.filter(source).order_by("id").first()
    return qs.filter(debate=debate).first()


# --- the public board ----------------------------------------------------------------------------
def items_for_site(*, site: Agency) -> QuerySet[ExecutionItem]:
    qs = ExecutionItem.objects.select_related("agency", "department", "proposal", "debate")
    return qs if site.is_city else qs.filter(agency=site)


@dataclass(frozen=True)
class BoardFilters:
    status: str = ""
    agency: str = ""  # an agency slug; only the city's board offers it

    @classmethod
    def from_query(cls, params) -> "BoardFilters":
        status = params.get("status", "")
        return cls(status=status if status in ExecutionStatus.values else "", agency=params.get("agency", "")[:50])


def public_items(*, site: Agency, filters: BoardFilters = BoardFilters()) -> QuerySet[ExecutionItem]:
    qs = items_for_site(site=site).filter(is_public=True)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.agency and site.is_city:
        qs = qs.filter(agency__slug=filters.agency)
    return with_latest_update(qs).order_by("-updated_at", "-id")


def board_status_counts(*, site: Agency) -> dict[str, int]:
    qs = items_for_site(site=site).filter(is_public=True).order_by()
    return qs.aggregate(**{value: Count("pk", filter=Q(status=value)) for value in ExecutionStatus.values})


def item_on_site(*, site: Agency, pk, user=None) -> ExecutionItem:
    """An item as a visitor of `site` sees it: public and on this site's board. Its agency's
    admins also see it hidden (to check before they publish it)."""
    try:
        item = items_for_site(site=site).get(pk=pk)
    except (ExecutionItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not item.is_public and not (user is not None and can_manage_executions(user, item.agency)):
        raise NotFound()
    return item


def timeline(*, item: ExecutionItem) -> QuerySet[ExecutionUpdate]:
    """Oldest first: the date it happened, then the order it was posted."""
    return item.updates.select_related("department", "posted_by").order_by("happened_on", "posted_at", "id")


def status_history(*, item: ExecutionItem) -> QuerySet[ExecutionUpdate]:
    return timeline(item=item).exclude(status_to="")


def source_is_visible(item: ExecutionItem, now=None) -> bool:
    """Whether the public page may link back to the source (its own page would show it)."""
    if item.proposal_id:
        return item.proposal.is_listed
    debate = item.debate
    return debate.is_published and not debate.is_hidden and debate.trashed_at is None


# --- following -----------------------------------------------------------------------------------
def took_part(*, item: ExecutionItem, user) -> bool:
    """Supported the proposal; or voted or gave an opinion in the debate (or supported the
    proposal that was promoted to it)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if item.proposal_id:
        return Support.objects.filter(proposal_id=item.proposal_id, citizen=user).exists()
    return (
        Ballot.objects.filter(debate_id=item.debate_id, citizen=user).exists()
        or Opinion.objects.filter(debate_id=item.debate_id, author=user).exists()
        or Support.objects.filter(proposal__debate_id=item.debate_id, citizen=user).exists()
    )


def is_following(*, item: ExecutionItem, user) -> bool:
    return bool(user.is_authenticated and ExecutionFollow.objects.filter(item=item, citizen=user).exists())


def with_latest_update(qs: QuerySet[ExecutionItem]) -> QuerySet[ExecutionItem]:
    latest = ExecutionUpdate.objects.filter(item=OuterRef("pk")).order_by("-happened_on", "-posted_at", "-id")
    return qs.annotate(
        latest_update_on=Subquery(latest.values("happened_on")[:1]),
        latest_update_body=Subquery(latest.values("body")[:1]),
    )


def followed_items(*, site: Agency, user) -> QuerySet[ExecutionItem]:
    """What `user` follows, on this site's board (the city's shows every agency's), with the
    latest update; public items only, most recently updated first."""
    if not user.is_authenticated:
        return ExecutionItem.objects.none()
    qs = items_for_site(site=site).filter(is_public=True, follows__citizen=user)
    return with_latest_update(qs).order_by("-updated_at", "-id")


# --- home-page counter -----------------------------------------------------------------------------
def executions_count(site: Agency, since: datetime) -> int:
    """The home page's "executions in the last two years": public items on this site's board
    (the city's counts every agency's) created at or after `since`."""
    return items_for_site(site=site).filter(is_public=True, created_at__gte=since).count()


# --- back office ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdminFilters:
    status: str = ""
    department: int | None = None
    visibility: str = ""  # "public", "hidden" or ""
    q: str = ""


def admin_items(*, site: Agency, user, filters: AdminFilters = AdminFilters()) -> QuerySet[ExecutionItem]:
    """The back-office list of `site`: the agency's own items only (the city's admins do not
    run a partner agency's execution). An officer who is not an admin sees only the items of
    their departments. Newest first; rows carry `update_count`, `follower_count` and
    `latest_update_on`."""
    qs = ExecutionItem.objects.filter(agency=site).select_related("agency", "department", "proposal", "debate")
    if not can_manage_executions(user, site):
        qs = qs.filter(department_id__in=officer_department_ids(user, site))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.visibility == "public":
        qs = qs.filter(is_public=True)
    elif filters.visibility == "hidden":
        qs = qs.filter(is_public=False)
    for word in filters.q.split()[:5]:
        match = Q(title__icontains=word) | Q(summary__icontains=word)
        if row_id(word) is not None:
            match |= Q(pk=row_id(word))
        qs = qs.filter(match)

    def counted(model, field):
        rows = model.objects.filter(item=OuterRef("pk")).order_by().values("item").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    return with_latest_update(qs).annotate(
        update_count=counted(ExecutionUpdate, "item"), follower_count=counted(ExecutionFollow, "item"),
    ).order_by("-created_at", "-id")


def admin_item(*, site: Agency, user, pk) -> ExecutionItem:
    """One item of the back-office list (same scope); otherwise "not found"."""
    try:
        return admin_items(site=site, user=user).get(pk=pk)
    except (ExecutionItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@dataclass(frozen=True)
class Column:
    key: str
    label: str


COLUMNS = (
    Column("number", _("No.")),
    Column("title", _("Title")),
    Column("status", _("Status")),
    Column("status_since", _("Status since")),
    Column("department", _("Responsible department")),
    Column("source", _("Source")),
    Column("source_title", _("Source title")),
    Column("public", _("Public")),
    Column("updates", _("Updates")),
    Column("followers", _("Followers")),
    Column("latest_update", _("Latest update")),
    Column("created", _("Created")),
)


def row_values(item: ExecutionItem) -> dict:
    """One row as plain values, keyed by column; the row must come from `admin_items`."""
    if item.proposal_id:
        source = str(_("Proposal no. %(number)d") % {"number": item.proposal_id})
    else:
        source = str(_("Debate no. %(number)d") % {"number": item.debate_id})
    return {
        "number": item.pk,
        "title": item.title,
        "status": str(item.get_status_display()),
        "status_since": item.status_changed_on,
        "department": item.department.name,
        "source": source,
        "source_title": item.source.title,
        "public": str(_("Public") if item.is_public else _("Hidden")),
        "updates": item.update_count,
        "followers": item.follower_count,
        "latest_update": item.latest_update_on,
        "created": item.created_at,
    }
