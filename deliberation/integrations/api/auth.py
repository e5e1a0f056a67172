"""Who is calling: the API key of an `Authorization: Bearer` header, looked up on every request
(no cache: a revoked key is refused at the next request), its scopes, and the rate limit that
every operation passes first (per key, or per client address without a key)."""

from functools import wraps

from django.http import HttpRequest
from ninja.security import HttpBearer

from deliberation.http import rate_limited_response
from deliberation.ratelimits import client_address

from .. import ratelimit
from ..errors import InsufficientScope, RateLimited
from ..models import ApiKey
from ..services import key_for_token

_UNSET = object()


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def request_key(request: HttpRequest) -> ApiKey | None:
    """The request's active key (looked up once per request), or None."""
    key = getattr(request, "_api_key", _UNSET)
    if key is _UNSET:
        token = _bearer(request)
        key = key_for_token(token) if token else None
        request._api_key = key
    return key


class ApiKeyAuth(HttpBearer):
    """Writes and the agency's private reads: `Authorization: Bearer dsk_…`."""

    def authenticate(self, request, token):
        return request_key(request)


def require_scope(key: ApiKey, scope: str) -> None:
    if not key.has_scope(scope):
        raise InsufficientScope()


def rate_limited(run):
    """Applied to every operation before validation and authentication (so a flood of bad
    requests is limited too). Answers 429 with Retry-After and the `rate_limited` code."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        key = request_key(request)
        try:
            ratelimit.check(key_id=key.pk if key else None, address=client_address(request))
        except RateLimited as exc:
            return rate_limited_response(request, exc, json=True)
        return run(request, *args, **kwargs)

    return wrapper
