from .models import Role
from .permissions import can_administer, has_role
from .selectors import city, participating_agencies


def current_site(request):
    # "current_agency", not "site": Django's auth views put their own `site` in the context.
    agency = getattr(request, "site", None) or city()
    return {
        "current_agency": agency,
        # Callables: templates evaluate them only where they are used.
        "participating_agencies": participating_agencies,
        "can_manage_current_agency": lambda: can_administer(request.user, agency),
        "is_officer_here": lambda: has_role(request.user, agency, Role.OFFICER),
        "can_moderate_here": lambda: can_administer(request.user, agency) or has_role(request.user, agency, Role.MODERATOR),
    }
