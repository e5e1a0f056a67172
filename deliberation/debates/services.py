from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.sanctions import Banned, banned_among, ensure_may_speak, ensure_may_take_part
from deliberation.agencies.models import Agency
from deliberation.announcements import Kind, announce_change
from deliberation.errors import DomainError, NotFound
from deliberation.ids import row_id

from .errors import (
    AlreadyPostedOpinion,
    AlreadySupportedOpinion,
    AlreadyVoted,
    DebateNotOpen,
    InvalidBallot,
    MissingAnswer,
    TakesOpinions,
    TooManyChoices,
    UnknownOption,
)
from .models import (
    Ballot,
    BallotChoice,
    Debate,
    Entry,
    DebateOption,
    Opinion,
    OpinionSupport,
    OptionKind,
    Status,
    VoteType,
)
from .selectors import ballot_box, forget_ballot_box

PRO_CON_DEFAULT_LABELS = (
    (OptionKind.FOR, "찬성"),
    (OptionKind.AGAINST, "반대"),
    (OptionKind.OTHER, "기타"),
)
OTHER_TEXT_MAX = 200


@transaction.atomic
def create_pro_con_debate(
    *, agency: Agency, title: str, body: str = "", opens_at, closes_at,
    labels: dict[str, str] | None = None, publish: bool = True, entry: str = Entry.AGENCY_ASKS,
) -> Debate:
    debate = Debate.objects.create(
        agency=agency, title=title, body=body, vote_type=VoteType.PRO_CON,
        opens_at=opens_at, closes_at=closes_at, is_published=publish, entry=entry,
    )
    labels = labels or {}
    DebateOption.objects.bulk_create(
        DebateOption(debate=debate, kind=kind, label=labels.get(kind, default), position=i)
        for i, (kind, default) in enumerate(PRO_CON_DEFAULT_LABELS)
    )
    return debate


def announce_debate(debate: Debate) -> None:
    """The debate's own state, and the summary of its agency's debate list."""
    announce_change(Kind.DEBATE_TALLY, agency_id=debate.agency_id, object_id=debate.pk)
    announce_change(Kind.SITE_DEBATES, agency_id=debate.agency_id, object_id=debate.agency_id)
    announce_change(Kind.FACILITATOR, agency_id=debate.agency_id, object_id=debate.pk)


@dataclass(frozen=True)
class BallotRequest:
    """One citizen's ballot as it arrived (form, JSON or websocket), not yet validated.

    Pro/con: `option_id` (and `other_text` for "other"). Multiple choice: `choices`, a list of
    option ids. Research: `answers`, {question id: option id or list of option ids}."""

    citizen_id: int
    option_id: object = None
    other_text: object = ""
    choices: object = None
    answers: object = None


def cast_ballot(*, debate: Debate, citizen, option_id=None, other_text="", choices=None, answers=None) -> Ballot:
    """One ballot, committed before it returns; raises the DomainError that refused it."""
    result = cast_ballots(
        debate_id=debate.pk,
        requests=[BallotRequest(citizen_id=citizen.pk, option_id=option_id, other_text=other_text,
                                choices=choices, answers=answers)],
    )[0]
    if isinstance(result, DomainError):
        raise result
    return result


def cast_ballots(*, debate_id: int, requests: list[BallotRequest]) -> list[Ballot | DomainError]:
    """Writes the valid ballots of a batch in one transaction (group commit) and announces the
    new tally once, after commit. Returns one result per request, in order: the Ballot, or the
    DomainError that refused it. The `ballot_one_per_citizen` constraint decides every double
    vote, inside the batch, against earlier batches and against other processes alike."""
    box = ballot_box(debate_id)
    if box is None:
        return [NotFound() for _ in requests]
    debate, options = box
    if debate.status_at(timezone.now()) != Status.IN_PROGRESS:
        return [DebateNotOpen() for _ in requests]
    if debate.vote_type == VoteType.DISCUSSION:
        return [TakesOpinions() for _ in requests]

    results: list[Ballot | DomainError | None] = [None] * len(requests)
    banned = banned_among(agency_id=debate.agency_id, user_ids={r.citizen_id for r in requests})
    accepted: dict[int, tuple[int, Ballot, list[int]]] = {}  # citizen id → (index, unsaved row, picks)
    for index, request in enumerate(requests):
        try:
            option, other_text, picks = _validated(debate, options, request)
        except DomainError as exc:
            results[index] = exc
            continue
        if request.citizen_id in accepted:
            results[index] = AlreadyVoted()
            continue
        if request.citizen_id in banned:
            results[index] = Banned()
            continue
        accepted[request.citizen_id] = (index, Ballot(
            debate=debate, citizen_id=request.citizen_id, option=option, other_text=other_text,
            cast_at=timezone.now()), picks)

    with transaction.atomic():
        inserted = _insert_unless_voted([ballot for _, ballot, _ in accepted.values()])
        choices = []
        for citizen_id, (index, ballot, picks) in accepted.items():
            ballot.pk = inserted.get(citizen_id)
            results[index] = ballot if ballot.pk is not None else AlreadyVoted()
            if ballot.pk is not None:
                choices += [BallotChoice(ballot_id=ballot.pk, option_id=pick) for pick in picks]
        if choices:
            # In the batch's transaction: a ballot's answers are stored with it, or not at all.
            BallotChoice.objects.bulk_create(choices)
        if inserted:
            announce_debate(debate)
    return results


def _insert_unless_voted(ballots: list[Ballot]) -> dict[int, int]:
    """One multi-row INSERT … ON CONFLICT DO NOTHING RETURNING (PostgreSQL, and SQLite 3.35+):
    the unique constraint skips citizens who already voted, and the returned rows say which
    were stored. Returns {citizen id: ballot id}. Measured about 4× less CPU per batch than
    an existence check plus bulk_create, which matters at thousands of ballots a second."""
    if not ballots:
        return {}
    table = connection.ops.quote_name(Ballot._meta.db_table)
    row = "(%s, %s, %s, %s, %s)"
    # bandit B608 is a false positive: the table name is the model's, every value a parameter.
    sql = (
        f"INSERT INTO {table} (debate_id, citizen_id, option_id, other_text, cast_at) "  # nosec B608
        f"VALUES {', '.join([row] * len(ballots))} "
        "ON CONFLICT (debate_id, citizen_id) DO NOTHING RETURNING citizen_id, id"
    )
    field = Ballot._meta.get_field("cast_at")
    params = []
    for ballot in ballots:
        params += [ballot.debate_id, ballot.citizen_id, ballot.option_id, ballot.other_text,
                   field.get_db_prep_value(ballot.cast_at, connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _validated(debate: Debate, options: dict[int, DebateOption], request: BallotRequest):
    """(option, other text, picked option ids) for a valid ballot of this debate's type."""
    if debate.vote_type == VoteType.PRO_CON:
        option = _option_of(options, request.option_id)
        return option, _other_text_of(option, request.other_text), []
    if debate.vote_type == VoteType.MULTIPLE_CHOICE:
        picks = _picks(options, request.choices, question_id=None, most=debate.max_choices)
        if not picks:
            raise InvalidBallot(_("Choose at least one option."))
        return None, "", picks
    return None, "", _research_picks(debate, options, request.answers)


def _as_id(value) -> int:
    value = row_id(value)
    if value is None:
        raise UnknownOption()
    return value


def _picks(options, raw, *, question_id, most: int) -> list[int]:
    """Distinct option ids of one question (or of the debate when question_id is None)."""
    if raw is None or raw == "":
        return []
    values = raw if isinstance(raw, (list, tuple)) else [raw]
    if len(values) > 64:
        raise InvalidBallot(_("Too many options."))
    picks = []
    for value in values:
        option = options.get(_as_id(value))
        if option is None or option.question_id != question_id:
            raise UnknownOption()
        if option.pk not in picks:
            picks.append(option.pk)
    if len(picks) > most:
        raise TooManyChoices(most=most)
    return picks


def _research_picks(debate: Debate, options, answers) -> list[int]:
    """Every required question answered, each within its limit; all picks of the ballot."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict) or len(answers) > 200:
        raise InvalidBallot(_("Send the answers as {question: options}."))
    questions = {q.pk: q for q in debate.questions.all()}
    given = {}
    for key, value in answers.items():
        question = questions.get(_as_id(key) if not isinstance(key, int) else key)
        if question is None:
            raise InvalidBallot(_("One of the answers is for a question this survey does not have."))
        given[question.pk] = value
    picks = []
    for question in questions.values():
        chosen = _picks(options, given.get(question.pk), question_id=question.pk, most=question.max_choices)
        if question.required and not chosen:
            raise MissingAnswer(question=question.text)
        picks += chosen
    if not picks:
        raise InvalidBallot(_("Answer at least one question."))
    return picks


def _option_of(options: dict[int, DebateOption], option_id) -> DebateOption:
    # An int, or a string of digits (form posts); nothing else is an option id.
    option = options.get(_as_id(option_id))
    if option is None or option.question_id is not None:
        raise UnknownOption()
    return option


def _other_text_of(option: DebateOption, other_text) -> str:
    if other_text is None:
        other_text = ""
    if not isinstance(other_text, str):
        raise InvalidBallot()
    if option.kind != OptionKind.OTHER:
        return ""
    other_text = other_text.strip()
    if len(other_text) > OTHER_TEXT_MAX:
        raise InvalidBallot()
    return other_text


@transaction.atomic
def publish_debate(*, actor, debate_id, title: str, opens_at, closes_at) -> Debate:
    """Publishes a draft debate (one promoted from a proposal, for instance) with its
    period. Only the debate's agency admins (or the platform admin) may; audited."""
    from deliberation.agencies.permissions import can_administer
    from deliberation.audit.services import record, snapshot
    from deliberation.errors import PermissionDenied

    from .errors import InvalidDebate

    try:
        debate = Debate.objects.select_for_update().select_related("agency").get(pk=debate_id)
    except (Debate.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not can_administer(actor, debate.agency):
        raise PermissionDenied()
    if debate.is_published:
        raise InvalidDebate({"__all__": [_("This debate is already published.")]})
    errors = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = [_("Give the debate a title.")]
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        errors["closes_at"] = [_("The vote must close after it opens.")]
    elif closes_at <= timezone.now():
        errors["closes_at"] = [_("The closing time has already passed.")]
    if errors:
        raise InvalidDebate(errors)
    fields = ["title", "is_published", "opens_at", "closes_at"]
    before = snapshot(debate, fields)
    debate.title, debate.opens_at, debate.closes_at, debate.is_published = title[:200], opens_at, closes_at, True
    debate.save(update_fields=fields)
    forget_ballot_box(debate.pk)
    record(agency=debate.agency, actor=actor, action="debate.published", target=debate,
           before=before, after=snapshot(debate, fields))
    announce_debate(debate)
    return debate


# --- discussion (토론형): opinions and their supports -------------------------------------------
def _open_discussion(debate_id) -> Debate:
    debate_id = row_id(debate_id)
    box = ballot_box(debate_id) if debate_id is not None else None
    if box is None:
        raise NotFound()
    debate = box[0]
    if debate.vote_type != VoteType.DISCUSSION:
        raise InvalidBallot(_("This debate takes ballots, not opinions."))
    if debate.status_at(timezone.now()) != Status.IN_PROGRESS:
        raise DebateNotOpen()
    return debate


@transaction.atomic
def post_opinion(*, debate_id, author, body) -> Opinion:
    """One opinion per citizen per discussion; markup is stripped on the way in."""
    from deliberation.text import plain_text

    debate = _open_discussion(debate_id)
    ensure_may_speak(user=author, agency_id=debate.agency_id)
    text = plain_text(body) if isinstance(body, str) else ""
    if not text:
        raise InvalidBallot(_("Write your opinion."))
    if len(text) > Opinion.BODY_MAX:
        raise InvalidBallot(_("An opinion is at most %(max)d characters.") % {"max": Opinion.BODY_MAX})
    if Opinion.objects.filter(debate=debate, author=author).exists():
        raise AlreadyPostedOpinion()
    opinion = Opinion.objects.create(debate=debate, author=author, body=text)
    announce_debate(debate)
    announce_change(Kind.MODERATION, agency_id=debate.agency_id, object_id=debate.agency_id)
    return opinion


@transaction.atomic
def support_opinion(*, debate_id, opinion_id, citizen) -> Opinion:
    """One support per opinion per citizen, never one's own, while the discussion is open."""
    debate = _open_discussion(debate_id)
    try:
        opinion = Opinion.objects.select_for_update().get(
            pk=int(opinion_id), debate=debate, hidden_at__isnull=True)
    except (Opinion.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if opinion.author_id == citizen.pk:
        raise InvalidBallot(_("You cannot support your own opinion."))
    ensure_may_take_part(user=citizen, agency_id=debate.agency_id)
    if OpinionSupport.objects.filter(opinion=opinion, citizen=citizen).exists():
        raise AlreadySupportedOpinion()
    OpinionSupport.objects.create(opinion=opinion, citizen=citizen)
    Opinion.objects.filter(pk=opinion.pk).update(support_count=models.F("support_count") + 1)
    opinion.support_count += 1
    announce_debate(debate)
    return opinion


def record_view(*, debate: Debate, visitor_key: str) -> bool:
    """Once per visitor per day, decided by a cache add (as for proposals)."""
    from django.core.cache import cache

    key = f"debate-view:{debate.pk}:{visitor_key}:{timezone.now().date().isoformat()}"
    if not cache.add(key, 1, timeout=26 * 3600):
        return False
    Debate.objects.filter(pk=debate.pk).update(view_count=models.F("view_count") + 1)
    return True


# --- the clock's sweep: opening and closing told once -------------------------------------
def emit_period_events(*, now=None) -> dict[str, int]:
    """Tells listeners (deliberation/events.py) that a published debate's vote opened or
    closed. The status is derived from the clock; this sweep notices each transition once:
    `opened_event_at` / `closed_event_at` go from NULL to a time in the same transaction as the
    event, under a conditional UPDATE, so two sweeps at once (or one run twice) emit nothing
    more. Hidden and trashed debates are left unmarked and are told when they come back (if
    the transition still holds). A debate opened and closed between two sweeps gets both
    events, in that order."""
    from deliberation.events import Event, emit

    from .payloads import debate_data

    now = now or timezone.now()
    told = {"debates_opened": 0, "debates_closed": 0}
    shown = Debate.objects.filter(is_published=True, is_hidden=False, trashed_at__isnull=True)
    jobs = (
        ("debates_opened", "opened_event_at", Event.DEBATE_OPENED,
         shown.filter(opened_event_at__isnull=True, opens_at__lte=now)),
        ("debates_closed", "closed_event_at", Event.DEBATE_CLOSED,
         shown.filter(closed_event_at__isnull=True, closes_at__lte=now)),
    )
    for counter, column, event, due in jobs:
        for debate in due.select_related("agency").order_by("pk").iterator(chunk_size=200):
            with transaction.atomic():
                if not Debate.objects.filter(pk=debate.pk, **{f"{column}__isnull": True}).update(**{column: now}):
                    continue  # another sweep told it first
                emit(event, agency_id=debate.agency_id, payload=lambda: {"debate": debate_data(debate, now=now)})
                told[counter] += 1
    return told
