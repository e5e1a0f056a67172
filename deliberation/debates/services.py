from django.db import IntegrityError, transaction
from django.utils import timezone

from deliberation.agencies.models import Agency
from deliberation.announcements import Kind, announce_change

from .errors import AlreadyVoted, DebateNotOpen, InvalidBallot, UnknownOption
from .models import Ballot, Debate, DebateOption, OptionKind, Status, VoteType

PRO_CON_DEFAULT_LABELS = (
    (OptionKind.FOR, "찬성"),
    (OptionKind.AGAINST, "반대"),
    (OptionKind.OTHER, "기타"),
)


@transaction.atomic
def create_pro_con_debate(
    *, agency: Agency, title: str, body: str = "", opens_at, closes_at,
    labels: dict[str, str] | None = None, publish: bool = True,
) -> Debate:
    debate = Debate.objects.create(
        agency=agency, title=title, body=body, vote_type=VoteType.PRO_CON,
        opens_at=opens_at, closes_at=closes_at, is_published=publish,
    )
    labels = labels or {}
    DebateOption.objects.bulk_create(
        DebateOption(debate=debate, kind=kind, label=labels.get(kind, default), position=i)
        for i, (kind, default) in enumerate(PRO_CON_DEFAULT_LABELS)
    )
    return debate


def cast_ballot(*, debate: Debate, citizen, option_id, other_text: str = "") -> Ballot:
    """Writes one ballot in one transaction; announces the new tally after commit."""
    if debate.status_at(timezone.now()) != Status.IN_PROGRESS:
        raise DebateNotOpen()
    option = _option_of(debate, option_id)
    if not isinstance(other_text, str):
        raise InvalidBallot()
    other_text = other_text.strip() if option.kind == OptionKind.OTHER else ""
    if len(other_text) > 200:
        raise InvalidBallot()
    with transaction.atomic():
        try:
            # A savepoint, so the IntegrityError does not poison an outer transaction.
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    debate=debate, citizen=citizen, option=option, other_text=other_text
                )
        except IntegrityError:
            raise AlreadyVoted() from None
        announce_change(Kind.DEBATE_TALLY, agency_id=debate.agency_id, object_id=debate.id)
    return ballot


def _option_of(debate: Debate, option_id) -> DebateOption:
    # Accept an int or a string of digits (form posts); nothing else is an option id.
    if isinstance(option_id, bool) or not isinstance(option_id, (int, str)):
        raise UnknownOption()
    if isinstance(option_id, str) and not option_id.strip().isdigit():
        raise UnknownOption()
    try:
        return debate.options.get(pk=int(option_id))
    except DebateOption.DoesNotExist:
        raise UnknownOption() from None
