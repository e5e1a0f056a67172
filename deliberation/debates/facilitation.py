"""The facilitator screen (진행자 화면): a debate run live in a hall, on a projector, with the
hall's own counts (show of hands, paper ballots) added to the online ballots.

Who may facilitate a debate: its agency's admins, its agency's facilitators and the platform
admin. Every write here checks that, validates its whole input before writing anything, records
an audit entry in the same transaction, forgets the cached ballot box and announces the change
after commit (`announce_debate`, which also announces Kind.FACILITATOR for the screen).

`facilitator_state` is what the screen shows. It ignores the debate's tally visibility: it is
the facilitator's view, reached only through an authorized page or channel. The number of
people watching is known only to realtime, which adds it to the frame (`watching`)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deliberation.agencies.models import Agency, Role
from deliberation.agencies.permissions import has_role, is_platform_admin
from deliberation.audit.services import record
from deliberation.errors import NotFound, PermissionDenied
from deliberation.text import single_line

from .errors import InvalidDebate
from .models import Debate, DebateOption, OfflineCount, Status, VoteType
from .selectors import forget_ballot_box, option_splits
from .services import announce_debate

COUNT_MAX = 1_000_000
DEFAULT_OPEN_MINUTES = 30
OPEN_MINUTES_MAX = 24 * 60


def can_facilitate(user, agency: Agency) -> bool:
    return is_platform_admin(user) or has_role(user, agency, Role.ADMIN, Role.FACILITATOR)


def facilitated_debate(user, debate_id, *, agency: Agency | None = None) -> Debate | None:
    """The debate (not trashed, on `agency` when given) if `user` may facilitate it, else None:
    for views and consumers, which answer "not found" either way."""
    try:
        debate = Debate.objects.select_related("agency").filter(pk=int(debate_id), trashed_at__isnull=True).first()
    except (ValueError, TypeError):
        return None
    if debate is None or (agency is not None and debate.agency_id != agency.pk):
        return None
    return debate if can_facilitate(user, debate.agency) else None


def may_facilitate_on_site(user, debate_id: int, site_slug: str | None) -> bool:
    """For the realtime join check: the debate belongs to the site at this path and the user
    may facilitate it."""
    from deliberation.agencies.selectors import site_for_slug

    try:
        site = site_for_slug(site_slug)
    except NotFound:
        return False
    return facilitated_debate(user, debate_id, agency=site) is not None


def _locked(actor, debate_id) -> Debate:
    try:
        debate = Debate.objects.select_for_update().select_related("agency").get(
            pk=debate_id, trashed_at__isnull=True
        )
    except (Debate.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not can_facilitate(actor, debate.agency):
        raise PermissionDenied()
    return debate


def _done(debate: Debate, actor, action: str, target, before: dict, after: dict) -> None:
    record(agency=debate.agency, actor=actor, action=action, target=target, before=before, after=after)
    forget_ballot_box(debate.pk)
    announce_debate(debate)


# --- offline (hall) counts ------------------------------------------------------------------
def _count(errors: dict, value) -> int | None:
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= COUNT_MAX:
        errors.setdefault("count", []).append(
            _("Enter a whole number from 0 to %(most)s.") % {"most": f"{COUNT_MAX:,}"}
        )
        return None
    return number


def _label(errors: dict, value) -> str:
    label = single_line(value or "")
    if len(label) > OfflineCount.LABEL_MAX:
        errors.setdefault("label", []).append(
            _("Describe the count in %(most)d characters or fewer.") % {"most": OfflineCount.LABEL_MAX}
        )
    return label


def _entry_snapshot(entry: OfflineCount) -> dict:
    return {"option": entry.option_id, "count": entry.count, "label": entry.label, "is_current": entry.is_current}


def add_offline_count(*, actor, debate_id, option_id, count, label: str = "") -> OfflineCount:
    """One hall count for one option. For a research survey, the option must belong to the
    question on the screen or to another question of the same debate (never another debate)."""
    with transaction.atomic():
        debate = _locked(actor, debate_id)
        errors: dict[str, list[str]] = {}
        if debate.vote_type == VoteType.DISCUSSION:
            raise InvalidDebate({"option": [_("A discussion has no options to count.")]})
        try:
            option = DebateOption.objects.get(pk=int(option_id), debate=debate)
        except (DebateOption.DoesNotExist, ValueError, TypeError):
            option = None
            errors["option"] = [_("Choose one of this debate's options.")]
        if option is not None and debate.vote_type == VoteType.RESEARCH and option.question_id is None:
            errors["option"] = [_("Choose an option of one of the survey's questions.")]
        number = _count(errors, count)
        text = _label(errors, label)
        if errors:
            raise InvalidDebate(errors)
        entry = OfflineCount.objects.create(debate=debate, option=option, count=number, label=text, entered_by=actor)
        _done(debate, actor, "debate.offline_count.added", entry, {}, _entry_snapshot(entry))
        return entry


def _current_entry(actor, entry_id) -> tuple[Debate, OfflineCount]:
    try:
        debate_id = OfflineCount.objects.values_list("debate_id", flat=True).get(pk=int(entry_id))
    except (OfflineCount.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    debate = _locked(actor, debate_id)
    entry = OfflineCount.objects.select_for_update().select_related("option").get(pk=int(entry_id))
    if not entry.is_current:
        raise InvalidDebate({"entry": [_("This entry was already corrected or removed.")]})
    return debate, entry


def correct_offline_count(*, actor, entry_id, count, label: str | None = None) -> OfflineCount:
    """Replaces a current entry by a new one (the old row stays, no longer current)."""
    with transaction.atomic():
        debate, old = _current_entry(actor, entry_id)
        errors: dict[str, list[str]] = {}
        number = _count(errors, count)
        text = old.label if label is None else _label(errors, label)
        if errors:
            raise InvalidDebate(errors)
        before = _entry_snapshot(old)
        old.is_current = False
        old.save(update_fields=["is_current"])
        new = OfflineCount.objects.create(debate=debate, option=old.option, count=number, label=text,
                                          entered_by=actor, replaces=old)
        _done(debate, actor, "debate.offline_count.corrected", new, {**before, "entry": old.pk},
              {**_entry_snapshot(new), "entry": new.pk})
        return new


def remove_offline_count(*, actor, entry_id) -> None:
    with transaction.atomic():
        debate, entry = _current_entry(actor, entry_id)
        before = _entry_snapshot(entry)
        entry.is_current = False
        entry.save(update_fields=["is_current"])
        _done(debate, actor, "debate.offline_count.removed", entry, before, _entry_snapshot(entry))


def offline_entries(debate_id: int) -> list[OfflineCount]:
    return list(
        OfflineCount.objects.filter(debate_id=debate_id, is_current=True)
        .select_related("option", "option__question", "entered_by").order_by("entered_at", "id")
    )


# --- screen controls ------------------------------------------------------------------------
PERIOD_FIELDS = ["opens_at", "closes_at"]


def _period(debate: Debate) -> dict:
    return {"opens_at": debate.opens_at.isoformat(), "closes_at": debate.closes_at.isoformat()}


def open_now(*, actor, debate_id, minutes: int | None = None) -> Debate:
    """Opens the vote now. It closes at its planned time, or after `minutes` (default 30) when
    that time has passed or `minutes` is given."""
    with transaction.atomic():
        debate = _locked(actor, debate_id)
        now = timezone.now()
        status = debate.status_at(now)
        if status == Status.DRAFT:
            raise InvalidDebate({"status": [_("Publish the debate before opening the vote.")]})
        if status == Status.RESULTS_PUBLISHED:
            raise InvalidDebate({"status": [_("The results are published; the vote cannot reopen.")]})
        if status == Status.IN_PROGRESS:
            raise InvalidDebate({"status": [_("The vote is already open.")]})
        if minutes is not None:
            try:
                minutes = int(minutes)
            except (TypeError, ValueError):
                minutes = -1
            if not 1 <= minutes <= OPEN_MINUTES_MAX:
                raise InvalidDebate({"minutes": [_("Enter a number of minutes from 1 to %(most)d.")
                                                 % {"most": OPEN_MINUTES_MAX}]})
        before = _period(debate)
        debate.opens_at = now
        if minutes is not None or debate.closes_at <= now:
            debate.closes_at = now + timedelta(minutes=minutes or DEFAULT_OPEN_MINUTES)
        debate.save(update_fields=PERIOD_FIELDS)
        _done(debate, actor, "debate.opened_now", debate, before, _period(debate))
        return debate


def close_now(*, actor, debate_id) -> Debate:
    with transaction.atomic():
        debate = _locked(actor, debate_id)
        now = timezone.now()
        if debate.status_at(now) != Status.IN_PROGRESS:
            raise InvalidDebate({"status": [_("The vote is not open.")]})
        before = _period(debate)
        debate.closes_at = max(now, debate.opens_at + timedelta(microseconds=1))
        debate.save(update_fields=["closes_at"])
        _done(debate, actor, "debate.closed_now", debate, before, _period(debate))
        return debate


def set_reveal(*, actor, debate_id, reveal: bool) -> Debate:
    """Shows or hides the numbers on the big screen (the facilitator's panel always has them)."""
    with transaction.atomic():
        debate = _locked(actor, debate_id)
        before = {"screen_reveals_results": debate.screen_reveals_results}
        debate.screen_reveals_results = bool(reveal)
        debate.save(update_fields=["screen_reveals_results"])
        _done(debate, actor, "debate.screen_revealed" if reveal else "debate.screen_hidden", debate,
              before, {"screen_reveals_results": debate.screen_reveals_results})
        return debate


def set_screen_question(*, actor, debate_id, position=None, step: int | None = None) -> Debate:
    """Research surveys: the question the hall (and the phones) are on, by position or by a
    step of +1 / -1 from the current one."""
    with transaction.atomic():
        debate = _locked(actor, debate_id)
        if debate.vote_type != VoteType.RESEARCH:
            raise InvalidDebate({"question": [_("Only a research survey has questions to step through.")]})
        last = debate.questions.count() - 1
        if step is not None:
            target = debate.screen_question + (1 if int(step) > 0 else -1)
        else:
            try:
                target = int(position)
            except (TypeError, ValueError):
                target = -1
        if not 0 <= target <= last:
            raise InvalidDebate({"question": [_("There is no such question.")]})
        before = {"screen_question": debate.screen_question}
        debate.screen_question = target
        debate.save(update_fields=["screen_question"])
        _done(debate, actor, "debate.screen_question", debate, before, {"screen_question": target})
        return debate


# --- what the screen shows ------------------------------------------------------------------
def facilitator_state(debate_id: int) -> dict | None:
    """Online ballots, hall counts and their sum per option (always all three, labelled by
    key), the status and period, the research question on the screen and the reveal flag.
    `watching` is None here: realtime fills in the sockets it holds on the debate."""
    debate = Debate.objects.filter(pk=debate_id, trashed_at__isnull=True).first()
    if debate is None:
        return None
    now = timezone.now()
    state = {
        "debate": debate.pk,
        "agency": debate.agency_id,
        "title": debate.title,
        "vote_type": debate.vote_type,
        "status": debate.status_at(now),
        "opens_at": debate.opens_at.isoformat(),
        "closes_at": debate.closes_at.isoformat(),
        "reveal": debate.screen_reveals_results,
        "watching": None,
        "options": [],
        "entries": [],
        "question": None,
    }
    if debate.vote_type == VoteType.DISCUSSION:
        from .models import Opinion

        opinions = Opinion.objects.filter(debate=debate, hidden_at__isnull=True)
        state["online_total"] = state["ballots"] = opinions.count()
        state["offline_total"] = 0
        state["combined_total"] = state["online_total"]
        state["opinions"] = [{"id": o.id, "body": o.body, "supports": o.support_count}
                             for o in opinions.order_by("-support_count", "created_at", "id")[:5]]
        return state
    splits = option_splits(debate)  # the same numbers as the public page and the exports
    options = list(debate.options.all())
    questions = list(debate.questions.all()) if debate.vote_type == VoteType.RESEARCH else []
    if questions:
        position = min(debate.screen_question, len(questions) - 1)
        current = questions[position]
        state["question"] = {"id": current.id, "text": current.text, "position": position, "count": len(questions)}
        options = [o for o in options if o.question_id == current.id]
    state["options"] = [{"id": option.id, "label": option.label, "kind": option.kind,
                         **splits.of(option.id).as_dict()} for option in options]
    state["ballots"] = splits.ballots
    totals = splits.total(option.id for option in options)
    state["online_total"], state["offline_total"], state["combined_total"] = (
        totals.online, totals.offline, totals.combined)
    state["entries"] = [
        {"id": e.id, "option": e.option_id, "option_label": e.option.label,
         "question": e.option.question_id, "count": e.count, "label": e.label,
         "entered_by": str(e.entered_by) if e.entered_by else "", "entered_at": e.entered_at.isoformat()}
        for e in offline_entries(debate.pk)
    ]
    return state
