from django.db.models import QuerySet

from deliberation.errors import NotFound

from .models import CITY_SLUG, Agency


def city() -> Agency:
    return Agency.objects.get(is_city=True)


def site_for_slug(slug: str | None) -> Agency:
    """The site a request is on: the city for the root, else an active partner agency."""
    if slug is None or slug == CITY_SLUG:
        return city()
    try:
        return Agency.objects.get(slug=slug, is_city=False, is_active=True)
    except Agency.DoesNotExist:
        raise NotFound() from None


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
