import time
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from deliberation.agencies.models import Agency
from deliberation.agencies.selectors import site_for_slug
from deliberation.errors import NotFound

from .models import Ballot, BallotChoice, Debate, Entry, OfflineCount, Opinion, Status, VoteType


def public_debates(*, site: Agency) -> QuerySet[Debate]:
    """Debates shown on a site: its own, published. Every query is scoped to the agency."""
    return Debate.objects.filter(
        agency=site, is_published=True, is_hidden=False, trashed_at__isnull=True
    ).order_by("-opens_at", "-id")


def filtered_debates(*, site: Agency, vote_type: str = "", state: str = "", entry: str = "") -> QuerySet[Debate]:
    """The public list with its filters: entry point, vote type, and the state derived from
    the clock."""
    qs = public_debates(site=site)
    if entry in Entry.values:
        qs = qs.filter(entry=entry)
    if vote_type in VoteType.values:
        qs = qs.filter(vote_type=vote_type)
    now = timezone.now()
    by_state = {
        Status.SCHEDULED: Q(opens_at__gt=now),
        Status.IN_PROGRESS: Q(opens_at__lte=now, closes_at__gt=now),
        Status.CLOSED: Q(closes_at__lte=now) & (Q(results_published_at__isnull=True) | Q(results_published_at__gt=now)),
        Status.RESULTS_PUBLISHED: Q(results_published_at__lte=now),
    }
    if state in by_state:
        qs = qs.filter(by_state[state])
    return qs


def published_debate(*, pk: int) -> Debate:
    """A public debate of any agency by its id (the open API's archive; debates are not
    cross-listed, each belongs to its agency's site)."""
    try:
        return Debate.objects.filter(is_published=True, is_hidden=False, trashed_at__isnull=True).select_related(
            "agency").get(pk=pk)
    except (Debate.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def agency_debates(*, agency: Agency) -> QuerySet[Debate]:
    """Every debate of one agency, drafts, hidden and trashed included: for its own partner
    platform's private reads. Never another agency's."""
    return Debate.objects.filter(agency=agency).select_related("agency").order_by("-created_at", "-id")


def debate_on_site(*, site: Agency, pk: int) -> Debate:
    """Another agency's debate is "not found", never "forbidden"."""
    try:
        return public_debates(site=site).get(pk=pk)
    except (Debate.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def tally_from_rows(debate_id: int) -> dict[int, int]:
    """The truth every streamed number must equal: ballots counted per option."""
    return tally_and_watermark(debate_id)[0]


def ballot_of(*, debate: Debate, citizen) -> Ballot | None:
    if not citizen.is_authenticated:
        return None
    return Ballot.objects.filter(debate=debate, citizen=citizen).select_related("option").first()


def tally_and_watermark(debate_id: int) -> tuple[dict[int, int], int]:
    """Counts per option and the highest ballot id counted (the commit watermark: a client
    that knows its ballot's id can tell when a tally includes it), in one query."""
    rows = (
        Ballot.objects.filter(debate_id=debate_id)
        .values("option_id")
        .annotate(n=Count("id"), last=Max("id"))
        .values_list("option_id", "n", "last")
    )
    counts, watermark = {}, 0
    for option_id, n, last in rows:
        counts[option_id] = n
        watermark = max(watermark, last)
    return counts, watermark


LIVE_OPINIONS = 20


def choice_tally(debate_id: int) -> tuple[dict[int, int], int, int]:
    """Multiple choice and research: picks per option, ballots, and the highest ballot id."""
    counts = dict(
        BallotChoice.objects.filter(ballot__debate_id=debate_id)
        .values("option_id").annotate(n=Count("id")).values_list("option_id", "n")
    )
    ballots = Ballot.objects.filter(debate_id=debate_id).aggregate(n=Count("id"), last=Max("id"))
    return counts, ballots["n"] or 0, ballots["last"] or 0


# --- online, offline (hall) and combined per option --------------------------------------
@dataclass(frozen=True)
class Split:
    online: int
    offline: int

    @property
    def combined(self) -> int:
        return self.online + self.offline

    def as_dict(self) -> dict:
        return {"online": self.online, "offline": self.offline, "combined": self.combined}


NO_VOTES = Split(0, 0)


@dataclass(frozen=True)
class OptionSplits:
    """Online ballots (for multiple choice and research: picks), the hall's counts and their
    sum, per option id. `ballots` is the number of people who voted online; `has_offline`
    says whether the debate has any current hall entry (an entry of 0 counts as one)."""

    ballots: int
    watermark: int
    by_option: dict[int, Split]
    has_offline: bool

    def of(self, option_id: int) -> Split:
        return self.by_option.get(option_id, NO_VOTES)

    def total(self, option_ids) -> Split:
        splits = [self.of(option_id) for option_id in option_ids]
        return Split(sum(s.online for s in splits), sum(s.offline for s in splits))


def current_offline_counts() -> QuerySet[OfflineCount]:
    """The hall entries that count: a corrected or removed entry is no longer current, so it
    never counts next to the one that replaced it."""
    return OfflineCount.objects.filter(is_current=True)


def offline_by_option(debate_id: int) -> dict[int, int]:
    """The hall's counts per option (current entries only). An option with an entry is a key
    even when its count is 0."""
    return dict(
        current_offline_counts().filter(debate_id=debate_id).values("option_id")
        .annotate(n=Sum("count")).values_list("option_id", "n")
    )


def option_splits(debate: Debate, *, with_offline: bool = True) -> OptionSplits:
    """Every online / offline / combined number shown anywhere (the facilitator screen, the
    public page and its stream, the exports) comes from here, so they cannot disagree.
    `with_offline=False` skips the hall's query (the public stream while the tally is
    hidden). A discussion has no options: empty."""
    if debate.vote_type == VoteType.DISCUSSION:
        return OptionSplits(0, 0, {}, False)
    if debate.vote_type == VoteType.PRO_CON:
        online, watermark = tally_and_watermark(debate.pk)
        ballots = sum(online.values())
    else:
        online, ballots, watermark = choice_tally(debate.pk)
    offline = offline_by_option(debate.pk) if with_offline else {}
    by_option = {option_id: Split(online.get(option_id, 0), offline.get(option_id, 0))
                 for option_id in online.keys() | offline.keys()}
    return OptionSplits(ballots, watermark, by_option, bool(offline))


def debate_live_state(debate_id: int) -> dict | None:
    """Everything a live page shows of a debate, rebuilt from rows, for each vote type. Counts
    are withheld (None) while the debate keeps its tally hidden until results are published;
    so are the hall's counts, which follow the same rule (`count` stays the online number, so
    a phone's tally means what it always meant)."""
    debate = Debate.objects.filter(pk=debate_id, is_published=True, is_hidden=False, trashed_at__isnull=True).first()
    if debate is None:
        return None
    now = timezone.now()
    visible = debate.tally_is_public
    state = {
        "debate": debate.id,
        "agency": debate.agency_id,
        "vote_type": debate.vote_type,
        "status": debate.status_at(now),
        "opens_at": debate.opens_at.isoformat(),
        "closes_at": debate.closes_at.isoformat(),
        "visible": visible,
        "options": [],
    }
    if debate.vote_type == VoteType.DISCUSSION:
        return {**state, **_discussion_state(debate, visible)}
    splits = option_splits(debate, with_offline=visible)
    options = list(debate.options.all())

    def shown(option):
        split = splits.of(option.id)
        return {"id": option.id, "label": option.label, "kind": option.kind,
                "count": split.online if visible else None,
                "offline": split.offline if visible else None,
                "combined": split.combined if visible else None}

    def totals(option_list):
        split = splits.total(o.id for o in option_list)
        return ({"online_total": split.online, "offline_total": split.offline, "combined_total": split.combined}
                if visible else {"online_total": None, "offline_total": None, "combined_total": None})

    if debate.vote_type == VoteType.RESEARCH:
        # The question the facilitator shows on the big screen (by position): phones mark it.
        state["screen_question"] = debate.screen_question
        state["questions"] = []
        for q in debate.questions.all():
            own = [o for o in options if o.question_id == q.id]
            state["questions"].append({"id": q.id, "text": q.text, "required": q.required,
                                       "max_choices": q.max_choices, "options": [shown(o) for o in own],
                                       **totals(own)})
    else:
        state["options"] = [shown(o) for o in options]
    if debate.vote_type == VoteType.MULTIPLE_CHOICE:
        state["max_choices"] = debate.max_choices
    return {**state, **totals(options), "hall_counts": splits.has_offline if visible else None,
            "total": splits.ballots, "watermark": splits.watermark}


def _discussion_state(debate, visible: bool) -> dict:
    """The ranking by support (or, while hidden, the newest opinions without counts)."""
    opinions = Opinion.objects.filter(debate=debate, hidden_at__isnull=True).select_related("author")
    ordered = opinions.order_by("-support_count", "created_at", "id") if visible else opinions.order_by("-created_at", "-id")
    return {
        "total": opinions.count(),
        "watermark": 0,
        "opinions": [
            {"id": o.id, "author": str(o.author), "body": o.body,
             "supports": o.support_count if visible else None}
            for o in ordered[:LIVE_OPINIONS]
        ],
    }


SITE_SUMMARY_SIZE = 100


def site_debate_summary(agency_id: int) -> dict | None:
    """What a site's debate list shows live, compactly: {debate id: [status, participants]}
    for its 100 latest public debates (participants withheld, None, while hidden)."""
    if not Agency.objects.filter(pk=agency_id).exists():
        return None
    now = timezone.now()
    debates = list(public_debates(site=Agency(pk=agency_id))[:SITE_SUMMARY_SIZE])
    ballots = dict(
        Ballot.objects.filter(debate__in=debates).values("debate_id").annotate(n=Count("id")).values_list("debate_id", "n")
    )
    opinions = dict(
        Opinion.objects.filter(debate__in=debates, hidden_at__isnull=True).values("debate_id")
        .annotate(n=Count("id")).values_list("debate_id", "n")
    )
    summary = {}
    for debate in debates:
        count = opinions.get(debate.pk, 0) if debate.vote_type == VoteType.DISCUSSION else ballots.get(debate.pk, 0)
        summary[str(debate.pk)] = [debate.status_at(now), count if debate.tally_is_public else None]
    return {"site": agency_id, "debates": summary}


def debate_belongs_to_site(*, debate_id: int, site_slug: str | None) -> bool:
    try:
        site = site_for_slug(site_slug)
    except NotFound:
        return False
    return public_debates(site=site).filter(pk=debate_id).exists()


def is_open(debate: Debate) -> bool:
    return debate.status == Status.IN_PROGRESS


BALLOT_BOX_TTL_SECONDS = 1.0
_ballot_boxes: dict[int, tuple[float, tuple[Debate, dict] | None]] = {}


def ballot_box(debate_id: int) -> tuple[Debate, dict] | None:
    """The published debate and its options by id, as the ballot path needs them, remembered
    for up to a second per process: at thousands of ballots a second, loading them for every
    batch was most of a batch's cost. The period is still checked against the clock at every
    batch; an edit to the debate reaches this process's ballot path within a second
    (`forget_ballot_box` makes it immediate here)."""
    now = time.monotonic()
    hit = _ballot_boxes.get(debate_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    debate = Debate.objects.filter(pk=debate_id, is_published=True, is_hidden=False, trashed_at__isnull=True).first()
    box = None if debate is None else (debate, {option.pk: option for option in debate.options.all()})
    if len(_ballot_boxes) > 1000:
        _ballot_boxes.clear()
    _ballot_boxes[debate_id] = (now + BALLOT_BOX_TTL_SECONDS, box)
    return box


def forget_ballot_box(debate_id: int | None = None) -> None:
    if debate_id is None:
        _ballot_boxes.clear()
    else:
        _ballot_boxes.pop(debate_id, None)
