"""Errors of the open API's own rules (keys, scopes, idempotency, rate limits). The domain's
errors (deliberation/errors.py and each app's) are mapped by the same handler."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError
from deliberation.ratelimits import RateLimited  # noqa: F401  one class for the API and the pages


class ApiErrorCode(StrEnum):
    NOT_AUTHENTICATED = "not_authenticated"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    RATE_LIMITED = "rate_limited"
    INVALID = "invalid"
    MALFORMED = "malformed_request"


class NotAuthenticated(DomainError):
    code = ApiErrorCode.NOT_AUTHENTICATED
    message = _("Send a valid API key: Authorization: Bearer <key>.")
    http_status = 401


class InsufficientScope(DomainError):
    code = ApiErrorCode.INSUFFICIENT_SCOPE
    message = _("This API key does not have the scope this operation needs.")
    http_status = 403


class IdempotencyKeyReused(DomainError):
    code = ApiErrorCode.IDEMPOTENCY_KEY_REUSED
    message = _("This Idempotency-Key was already used with a different request.")
    http_status = 422


class InvalidKeyForm(DomainError):
    code = ApiErrorCode.INVALID
    message = _("Check the key's name, platform and scopes.")
