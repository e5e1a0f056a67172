"""Who may read a site's statistics."""

from deliberation.agencies.models import Agency
from deliberation.agencies.permissions import can_administer, is_platform_admin


def can_view_statistics(user, site: Agency) -> bool:
    """An agency's figures: its admins and the platform admin. The city's figures cover every
    agency (as the city's archive does), so only the platform admin reads them."""
    if site.is_city:
        return is_platform_admin(user)
    return can_administer(user, site)
