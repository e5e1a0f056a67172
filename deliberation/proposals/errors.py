from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError, ErrorCode


class ProposalClosed(DomainError):
    code = ErrorCode.PROPOSAL_CLOSED
    message = _("The support period of this proposal has ended.")
    http_status = 409


class AlreadySupported(DomainError):
    code = ErrorCode.ALREADY_SUPPORTED
    message = _("You already support this proposal.")
    http_status = 409


class NotSupported(DomainError):
    code = ErrorCode.NOT_SUPPORTED
    message = _("You have not supported this proposal.")
    http_status = 409


class AgencyClosed(DomainError):
    code = ErrorCode.AGENCY_INACTIVE
    message = _("This agency no longer takes proposals.")
    http_status = 409


class InvalidProposal(DomainError):
    """A field failed validation; `errors` maps field names to messages for the form."""

    code = ErrorCode.INVALID
    message = _("Please correct the errors below.")
    http_status = 400

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__()
        self.errors = errors

    def as_dict(self) -> dict:
        return {**super().as_dict(), "fields": {k: [str(m) for m in v] for k, v in self.errors.items()}}


class ReviewStateError(DomainError):
    code = ErrorCode.CONFLICT
    http_status = 409


class NotWithdrawable(DomainError):
    """Only a proposal its partner platform filed, still open and not yet withdrawn."""

    code = ErrorCode.NOT_WITHDRAWABLE
    message = _("Only an open proposal filed by your platform can be withdrawn.")
    http_status = 409
