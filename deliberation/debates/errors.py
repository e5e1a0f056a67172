from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError, ErrorCode


class DebateNotOpen(DomainError):
    code = ErrorCode.DEBATE_NOT_OPEN
    message = _("This debate is not open for voting.")
    http_status = 409


class AlreadyVoted(DomainError):
    code = ErrorCode.ALREADY_VOTED
    message = _("You have already voted in this debate. A ballot cannot be changed.")
    http_status = 409


class UnknownOption(DomainError):
    code = ErrorCode.UNKNOWN_OPTION
    message = _("Choose one of this debate's options.")
    http_status = 400


class InvalidBallot(DomainError):
    code = ErrorCode.INVALID
    message = _("The text for 'other' must be 200 characters or fewer.")
    http_status = 400


class InvalidDebate(DomainError):
    """Per-field problems (`errors`) with a debate's settings, for the back-office form."""

    code = ErrorCode.INVALID
    message = _("Please correct the errors below.")
    http_status = 400

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__()
        self.errors = errors
