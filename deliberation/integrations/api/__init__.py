"""The open API, version 1, on django-ninja: the schema at /api/v1/openapi.json and the
browsable docs at /api/v1/docs. docs/api.md is the guide."""

from ninja import NinjaAPI

from . import errors, partner, public
from .auth import rate_limited

api = NinjaAPI(
    title="Democracy Seoul open API", version="1", urls_namespace="api-v1",
    description="Citizen proposals, debates and results of the city and its partner agencies; "
                "partner platforms file proposals and supports with their agency's API key. See docs/api.md.",
)
errors.install(api)
api.add_decorator(rate_limited, mode="view")
api.add_router("/", public.router)
api.add_router("/partner/", partner.router)


def unknown_path(request, rest=""):
    """Anything under /api/v1/ that is no operation: the API's own 404, not an HTML page."""
    from deliberation.errors import NotFound
    from deliberation.http import domain_error_response

    return domain_error_response(NotFound())
