from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError, ErrorCode


class SlugTaken(DomainError):
    code = ErrorCode.SLUG_TAKEN
    message = _("Another agency already uses this address.")
