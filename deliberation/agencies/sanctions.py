"""Mutes and bans on one agency's site (issue 6). A mute stops a user's comments and opinions on
that site's proposals and debates; a ban also stops proposals, supports and ballots. Either runs
until its date or until a moderator lifts it; a new sanction replaces the one in force. Every
change is audited. The other sites are not affected: a sanction belongs to one agency."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.announcements import SessionEnd, announce_sessions_ended
from deliberation.audit.services import record, snapshot
from deliberation.errors import DomainError, ErrorCode, NotFound
from deliberation.text import single_line

from .models import Agency, Sanction, SanctionKind
from .permissions import can_moderate

DAYS_MAX = 3650
FIELDS = ["kind", "reason", "until", "lifted_at"]


class InvalidSanction(DomainError):
    message = _("Invalid sanction.")


class Muted(DomainError):
    code = ErrorCode.MUTED
    message = _("A moderator has muted you on this site: you cannot comment or post opinions here.")
    http_status = 403


class Banned(DomainError):
    code = ErrorCode.BANNED
    message = _("A moderator has banned you from this site: you cannot take part here.")
    http_status = 403


def _in_force():
    from django.db.models import Q

    return Q(lifted_at__isnull=True) & (Q(until__isnull=True) | Q(until__gt=timezone.now()))


def sanction_in_force(*, user, agency_id: int) -> Sanction | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Sanction.objects.filter(_in_force(), agency_id=agency_id, user_id=user.pk).first()


def sanctions_of_site(agency: Agency):
    return Sanction.objects.filter(_in_force(), agency=agency).select_related("user", "created_by")


def banned_among(*, agency_id: int, user_ids) -> set[int]:
    """For batched writes (ballots): which of these users are banned on the site."""
    return set(
        Sanction.objects.filter(_in_force(), agency_id=agency_id, user_id__in=list(user_ids), kind=SanctionKind.BAN)
        .values_list("user_id", flat=True)
    )


def _message(sanction: Sanction, error: type[DomainError]) -> DomainError:
    text = str(error.message)
    if sanction.until is not None:
        until = timezone.localtime(sanction.until).strftime("%Y-%m-%d %H:%M")
        text = f"{text} ({_('until %(until)s') % {'until': until}})"
    return error(f"{text} {_('Reason: %(reason)s') % {'reason': sanction.reason}}")


def ensure_may_speak(*, user, agency_id: int) -> None:
    """Comments and opinions: refused when muted or banned on the site."""
    sanction = sanction_in_force(user=user, agency_id=agency_id)
    if sanction is not None:
        raise _message(sanction, Banned if sanction.kind == SanctionKind.BAN else Muted)


def ensure_may_take_part(*, user, agency_id: int) -> None:
    """Proposals, supports and ballots: refused when banned on the site (a mute allows them)."""
    sanction = sanction_in_force(user=user, agency_id=agency_id)
    if sanction is not None and sanction.kind == SanctionKind.BAN:
        raise _message(sanction, Banned)


def _reason(reason) -> str:
    text = single_line(reason if isinstance(reason, str) else "")
    if not text:
        raise InvalidSanction(_("Give the reason: the user is told why."))
    if len(text) > Sanction.REASON_MAX:
        raise InvalidSanction(_("A reason is at most %(max)d characters.") % {"max": Sanction.REASON_MAX})
    return text


def _days(days) -> int | None:
    if days in (None, ""):
        return None  # until lifted
    try:
        value = int(days)
    except (TypeError, ValueError):
        raise InvalidSanction(_("Give the number of days as a whole number, or leave it empty.")) from None
    if not 1 <= value <= DAYS_MAX:
        raise InvalidSanction(_("The number of days is from 1 to %(max)d.") % {"max": DAYS_MAX})
    return value


@transaction.atomic
def sanction_user(*, actor, agency: Agency, user_id, kind, reason, days=None) -> Sanction:
    if not can_moderate(actor, agency):
        raise NotFound()
    if kind not in SanctionKind.values:
        raise InvalidSanction(_("Choose mute or ban."))
    text, length = _reason(reason), _days(days)
    from deliberation.accounts.models import User

    try:
        user = User.objects.get(pk=int(user_id))
    except (User.DoesNotExist, TypeError, ValueError):
        raise InvalidSanction(_("No such user.")) from None
    if user.pk == actor.pk:
        raise InvalidSanction(_("You cannot sanction yourself."))
    if can_moderate(user, agency):
        raise InvalidSanction(_("Staff of this site cannot be muted or banned here."))
    now = timezone.now()
    # Lock the user's current sanction on this site, so two moderators do not stack two.
    for current in Sanction.objects.select_for_update().filter(agency=agency, user=user, lifted_at__isnull=True):
        before = snapshot(current, FIELDS)
        current.lifted_at = now
        current.save(update_fields=["lifted_at"])
        record(agency=agency, actor=actor, action="sanction.replaced", target=current, before=before,
               after=snapshot(current, FIELDS))
    sanction = Sanction.objects.create(
        agency=agency, user=user, kind=kind, reason=text, created_by=actor,
        until=None if length is None else now + timedelta(days=length),
    )
    record(agency=agency, actor=actor, action=f"sanction.{kind}", target=sanction, after=snapshot(sanction, FIELDS))
    if kind == SanctionKind.BAN:
        # Open live connections on this site close after commit (a ballot socket included).
        announce_sessions_ended(user_id=user.pk, reason=SessionEnd.BANNED, agency_id=agency.pk)
    return sanction


@transaction.atomic
def lift_sanction(*, actor, agency: Agency, sanction_id) -> Sanction:
    if not can_moderate(actor, agency):
        raise NotFound()
    try:
        sanction = Sanction.objects.select_for_update().get(pk=int(sanction_id), agency=agency)
    except (Sanction.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if sanction.lifted_at is not None:
        raise InvalidSanction(_("This sanction was already lifted."))
    before = snapshot(sanction, FIELDS)
    sanction.lifted_at = timezone.now()
    sanction.save(update_fields=["lifted_at"])
    record(agency=agency, actor=actor, action="sanction.lifted", target=sanction, before=before,
           after=snapshot(sanction, FIELDS))
    return sanction
