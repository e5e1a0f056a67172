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


class TooManyChoices(DomainError):
    code = ErrorCode.TOO_MANY_CHOICES
    http_status = 400

    def __init__(self, *, most: int):
        super().__init__(_("Choose at most %(most)d options.") % {"most": most})


class MissingAnswer(DomainError):
    code = ErrorCode.MISSING_ANSWER
    http_status = 400

    def __init__(self, *, question: str):
        super().__init__(_("Answer every required question: %(question)s") % {"question": question})


class TakesOpinions(DomainError):
    code = ErrorCode.INVALID
    message = _("This debate takes opinions, not ballots.")
    http_status = 400


class AlreadyPostedOpinion(DomainError):
    code = ErrorCode.ALREADY_VOTED
    message = _("You have already posted your opinion in this debate.")
    http_status = 409


class AlreadySupportedOpinion(DomainError):
    code = ErrorCode.ALREADY_SUPPORTED
    message = _("You already support this opinion.")
    http_status = 409


class InvalidDebate(DomainError):
    """Per-field problems (`errors`) with a debate's settings, for the back-office form."""

    code = ErrorCode.INVALID
    message = _("Please correct the errors below.")
    http_status = 400

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__()
        self.errors = errors
