"""Refusals of the content services, each with a stable code (tests match on codes)."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError


class ContentErrorCode(StrEnum):
    INVALID_CONTENT = "invalid_content"
    TOO_SOON = "too_soon"
    ALREADY_ANSWERED = "already_answered"
    NOT_YOURS = "not_yours"


class InvalidContent(DomainError):
    """Every field's problems at once ({field: [messages]}); nothing was stored."""

    code = ContentErrorCode.INVALID_CONTENT
    message = _("Please correct the errors below.")

    def __init__(self, errors: dict[str, list]):
        self.errors = errors
        super().__init__()


class TooSoon(DomainError):
    code = ContentErrorCode.TOO_SOON
    message = _("You asked a question less than a minute ago. Please wait a moment before asking another.")
    http_status = 429


class AlreadyAnswered(DomainError):
    code = ContentErrorCode.ALREADY_ANSWERED
    message = _("This question has been answered, so it can no longer be changed or deleted.")
    http_status = 409


class NotYours(DomainError):
    code = ContentErrorCode.NOT_YOURS
    message = _("Only the person who asked may change this question.")
    http_status = 403
