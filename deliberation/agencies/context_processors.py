from functools import cache

from .models import Role
from .permissions import can_administer, has_role
from .selectors import city, participating_agencies


def current_site(request):
    # "current_agency", not "site": Django's auth views put their own `site` in the context.
    agency = getattr(request, "site", None) or city()
    # Callables: templates evaluate them only where they are used, and call them at every use
    # (the header's back-office menu asks several times): cached, one query per page at most.
    can_manage = cache(lambda: can_administer(request.user, agency))
    return {
        "current_agency": agency,
        "participating_agencies": participating_agencies,
        "can_manage_current_agency": can_manage,
        "is_officer_here": cache(lambda: has_role(request.user, agency, Role.OFFICER)),
        "can_moderate_here": cache(lambda: can_manage() or has_role(request.user, agency, Role.MODERATOR)),
    }
