from django.db import models
from django.db.models import QuerySet

from deliberation.errors import NotFound

from .models import CITY_SLUG, Agency


def city() -> Agency:
    return Agency.objects.get(is_city=True)


_city_id: int | None = None


def city_id() -> int:
    """The city's row id, read once per process (the city row is made by a migration and
    never replaced; tests that flush it call forget_city_id())."""
    global _city_id
    if _city_id is None:
        _city_id = Agency.objects.filter(is_city=True).values_list("pk", flat=True).get()
    return _city_id


def forget_city_id() -> None:
    global _city_id
    _city_id = None


class SiteClosed(NotFound):
    """The agency exists but the platform admin suspended it: its pages show a closed notice
    (callers that only know NotFound treat it as not found)."""

    def __init__(self, agency: Agency):
        super().__init__()
        self.agency = agency


def site_for_slug(slug: str | None) -> Agency:
    """The site a request is on: the city for the root, else an active partner agency."""
    if slug is None or slug == CITY_SLUG:
        return city()
    try:
        agency = Agency.objects.get(slug=slug, is_city=False)
    except Agency.DoesNotExist:
        raise NotFound() from None
    if not agency.is_active:
        raise SiteClosed(agency)
    return agency


def participating_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_city=False, is_active=True).order_by("name")


def all_agencies() -> QuerySet[Agency]:
    return Agency.objects.order_by("-is_city", "name")


def administered_agencies(user) -> QuerySet[Agency]:
    if user.is_authenticated and user.is_platform_admin:
        return all_agencies()
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(memberships__user=user, memberships__role="admin").distinct()


# --- settings screens (one agency each) -----------------------------------------------------
def staff_of(agency: Agency, *roles: str):
    from .models import Membership

    qs = Membership.objects.filter(agency=agency).select_related("user", "department").order_by("role", "user__username")
    return qs.filter(role__in=roles) if roles else qs


def departments_of(agency: Agency):
    from django.db.models import Prefetch

    from .models import Membership

    return agency.departments.prefetch_related(
        Prefetch("officers", queryset=Membership.objects.select_related("user").order_by("user__username"))
    ).annotate(answer_count=models.Count("answers", distinct=True))


def themes_of_site(agency: Agency):
    """Themes tagged on this agency's own proposals, or hidden here, with the count of this
    agency's proposals each carries and whether the site hides it."""
    from django.db.models.functions import Coalesce

    from deliberation.proposals.models import Proposal, Theme

    from .models import HiddenTheme

    tags = Proposal.themes.through.objects.filter(proposal__agency=agency)
    hidden = HiddenTheme.objects.filter(agency=agency)
    uses = (tags.filter(theme=models.OuterRef("pk")).order_by().values("theme")
            .annotate(n=models.Count("pk")).values("n"))
    return (
        Theme.objects.filter(models.Q(pk__in=tags.values("theme_id")) | models.Q(pk__in=hidden.values("theme_id")))
        .annotate(uses=Coalesce(models.Subquery(uses), 0),
                  is_hidden=models.Exists(hidden.filter(theme=models.OuterRef("pk"))))
        .order_by("-uses", "name")
    )
