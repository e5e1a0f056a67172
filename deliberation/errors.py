"""Domain errors: a stable code (tests and clients match on it) and a translatable message.

Each interface maps them once: a form error, `{"error": {"code", "message"}}` with the HTTP
status below, or a websocket `{"type": "error"}` frame."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    INVALID = "invalid"
    DEBATE_NOT_OPEN = "debate_not_open"
    ALREADY_VOTED = "already_voted"
    UNKNOWN_OPTION = "unknown_option"
    SLUG_TAKEN = "slug_taken"
    AGENCY_INACTIVE = "agency_inactive"
    PROPOSAL_CLOSED = "proposal_closed"
    ALREADY_SUPPORTED = "already_supported"
    NOT_SUPPORTED = "not_supported"
    ALREADY_REPORTED = "already_reported"
    CONFLICT = "conflict"
    TOO_MANY_CHOICES = "too_many_choices"
    MISSING_ANSWER = "missing_answer"
    MUTED = "muted"
    BANNED = "banned"
    NOT_WITHDRAWABLE = "not_withdrawable"
    RATE_LIMITED = "rate_limited"



class DomainError(Exception):
    code: ErrorCode = ErrorCode.INVALID
    message = _("Invalid request.")
    http_status = 400

    def __init__(self, message=None, **params):
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message": str(self.message)}


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    message = _("Not found.")
    http_status = 404


class PermissionDenied(DomainError):
    code = ErrorCode.PERMISSION_DENIED
    message = _("You do not have permission to do this.")
    http_status = 403
