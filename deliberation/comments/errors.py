from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError, ErrorCode


class InvalidComment(DomainError):
    code = ErrorCode.INVALID
    http_status = 400


class AlreadyReported(DomainError):
    code = ErrorCode.ALREADY_REPORTED
    message = _("You have already reported this comment.")
    http_status = 409
