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
