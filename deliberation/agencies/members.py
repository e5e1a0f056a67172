"""Members (회원관리) of one agency's site: reads. A member of a site is an account with a staff
role there or anything done there (a proposal, support, ballot, comment or opinion); the
activity shown is only this site's own (on the city's site: the city's own proposals and
debates, not the partner agencies' cross-listed ones)."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from deliberation.errors import NotFound

from .models import Agency, Membership, Role, Sanction, SanctionKind

CITIZEN = "citizen"
ROLE_FILTERS = (CITIZEN, *Role.values)


def _activity(site: Agency) -> dict:
    from deliberation.comments.models import Comment
    from deliberation.debates.models import Ballot, Opinion
    from deliberation.proposals.models import Proposal, Support

    user = OuterRef("pk")
    return {
        "proposals": Proposal.objects.filter(agency=site, author=user),
        "supports": Support.objects.filter(proposal__agency=site, citizen=user),
        "ballots": Ballot.objects.filter(debate__agency=site, citizen=user),
        "comments": Comment.objects.filter(Q(proposal__agency=site) | Q(debate__agency=site), author=user),
        "opinions": Opinion.objects.filter(debate__agency=site, author=user),
    }


def _banned_here(site: Agency):
    now = timezone.now()
    return Sanction.objects.filter(
        Q(until__isnull=True) | Q(until__gt=now), agency=site, user=OuterRef("pk"), kind=SanctionKind.BAN,
        lifted_at__isnull=True)


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    role: str = ""
    everyone: bool = False  # the platform admin's search over every account

    @classmethod
    def from_query(cls, params, *, platform_admin: bool) -> "MemberFilters":
        role = params.get("role", "")
        return cls(q=params.get("q", "").strip()[:100], role=role if role in ROLE_FILTERS else "",
                   everyone=platform_admin and params.get("scope") == "all")


def members_of_site(*, site: Agency, filters: MemberFilters) -> QuerySet:
    from deliberation.accounts.models import User

    staff_here = Membership.objects.filter(agency=site, user=OuterRef("pk"))
    qs = User.objects.filter(deleted_at__isnull=True)
    if not filters.everyone:
        took_part = Q(Exists(staff_here))
        for rows in _activity(site).values():
            took_part |= Q(Exists(rows))
        qs = qs.filter(took_part)
    if filters.q:
        qs = qs.filter(Q(username__icontains=filters.q) | Q(display_name__icontains=filters.q)
                       | Q(email__icontains=filters.q))
    if filters.role == CITIZEN:
        qs = qs.exclude(Exists(staff_here))
    elif filters.role:
        qs = qs.filter(Exists(staff_here.filter(role=filters.role)))
    return (qs.annotate(banned_here=Exists(_banned_here(site)))
            .prefetch_related(Prefetch("memberships", queryset=Membership.objects.filter(agency=site),
                                       to_attr="roles_here"))
            .order_by("username"))


def member_of_site(*, site: Agency, user_id, platform_admin: bool = False):
    """One member, or NotFound when the account has nothing to do with this site (any
    account for the platform admin)."""
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = members_of_site(site=site, filters=MemberFilters(everyone=platform_admin))
    member = qs.filter(pk=pk).first()
    if member is None:
        raise NotFound()
    return member


def member_activity(*, site: Agency, user, recent: int = 5) -> dict:
    """Counts and the latest items of one member's activity on this site only."""
    from deliberation.comments.models import Comment
    from deliberation.debates.models import Ballot, Opinion
    from deliberation.proposals.models import Proposal, Support

    rows = {
        "proposals": Proposal.objects.filter(agency=site, author=user).order_by("-created_at"),
        "supports": Support.objects.filter(proposal__agency=site, citizen=user).select_related("proposal").order_by("-created_at"),
        "ballots": Ballot.objects.filter(debate__agency=site, citizen=user).select_related("debate", "option").order_by("-cast_at"),
        "comments": Comment.objects.filter(Q(proposal__agency=site) | Q(debate__agency=site), author=user)
        .select_related("proposal", "debate").order_by("-created_at"),
        "opinions": Opinion.objects.filter(debate__agency=site, author=user).select_related("debate").order_by("-created_at"),
    }
    return {name: {"count": qs.count(), "recent": list(qs[:recent])} for name, qs in rows.items()}


def ban_in_force(*, site: Agency, user) -> Sanction | None:
    now = timezone.now()
    return Sanction.objects.filter(Q(until__isnull=True) | Q(until__gt=now), agency=site, user=user,
                                   kind=SanctionKind.BAN, lifted_at__isnull=True).first()
