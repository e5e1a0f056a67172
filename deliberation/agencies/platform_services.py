"""The platform admin's writes (전체관리자): agencies suspended and restored, base settings,
accounts suspended platform-wide. Platform admins only (anyone else: PermissionDenied); each
write is audited on the agency it touches (the city for platform-wide ones)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from deliberation.audit.services import record, snapshot
from deliberation.errors import DomainError, NotFound

from .models import Agency, PlatformSettings
from .permissions import is_platform_admin
from .selectors import city

PLATFORM_FIELDS = ["platform_name", "default_support_period_days", "default_answer_threshold",
                   "default_debate_threshold", "default_review_deadline_days"]


class PlatformError(DomainError):
    message = _("Not done.")


def _require_platform_admin(actor) -> None:
    if not is_platform_admin(actor):
        raise PermissionDenied


@transaction.atomic
def set_agency_active(*, actor, agency_id, active: bool) -> Agency:
    """A suspended agency's site shows a closed notice; its rows all stay, and restoring
    opens the site again as it was. The city cannot be suspended."""
    _require_platform_admin(actor)
    try:
        agency = Agency.objects.select_for_update().get(pk=int(agency_id))
    except (Agency.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if agency.is_city:
        raise PlatformError(_("The city's site cannot be suspended."))
    if agency.is_active != active:
        agency.is_active = active
        agency.save(update_fields=["is_active"])
        record(agency=agency, actor=actor, action="agency.restored" if active else "agency.suspended",
               target=agency, before={"is_active": not active}, after={"is_active": active})
    return agency


@transaction.atomic
def update_platform_settings(*, actor, **fields) -> PlatformSettings:
    _require_platform_admin(actor)
    unknown = set(fields) - set(PLATFORM_FIELDS)
    if unknown:
        raise ValueError(f"not platform settings: {sorted(unknown)}")
    row = PlatformSettings.load()
    row = PlatformSettings.objects.select_for_update().get(pk=row.pk)
    before = snapshot(row, PLATFORM_FIELDS)
    for key, value in fields.items():
        setattr(row, key, value)
    if row.default_debate_threshold <= row.default_answer_threshold:
        raise PlatformError(_("The debate threshold must be above the answer threshold."))
    row.full_clean()
    row.save()
    record(agency=city(), actor=actor, action="platform.settings", target=row, before=before,
           after=snapshot(row, PLATFORM_FIELDS))
    return row


@transaction.atomic
def set_account_active(*, actor, user_id, active: bool):
    """Platform-wide suspension: the account cannot log in on any site (`is_active`)."""
    from deliberation.accounts.models import User

    _require_platform_admin(actor)
    try:
        user = User.objects.select_for_update().get(pk=int(user_id), deleted_at__isnull=True)
    except (User.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if user.pk == actor.pk:
        raise PlatformError(_("You cannot suspend your own account."))
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        record(agency=city(), actor=actor, action="account.restored" if active else "account.suspended",
               target=user, before={"is_active": not active}, after={"is_active": active})
    return user
