"""Who may do what on an agency's site. Views, consumers and services all ask here."""

from .models import Agency, Membership, Role


def is_platform_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_platform_admin)


def has_role(user, agency: Agency, *roles: str) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(user=user, agency=agency, role__in=roles).exists()


def can_administer(user, agency: Agency) -> bool:
    return is_platform_admin(user) or has_role(user, agency, Role.ADMIN)


def can_moderate(user, agency: Agency) -> bool:
    return is_platform_admin(user) or has_role(user, agency, Role.ADMIN, Role.MODERATOR)
