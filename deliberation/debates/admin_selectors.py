"""Back-office reads on debates: the admin list (tabs, filters, counts) and one debate's full
results. Read-only ORM queries; the counts come from the rows (Ballot, BallotChoice,
Opinion), never from a cache.

A list page costs a fixed number of queries: the page's rows with their ballot and
similar-proposal counts as subqueries, then two queries for the discussion debates'
participants (authors and supporters, counted once per person)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.comments.models import Comment

from .models import Ballot, BallotChoice, Debate, Opinion, OpinionSupport, Status, VoteType
from .selectors import current_offline_counts, option_splits

PAGE_SIZE = 50
SEARCH_MAX = 100


class Tab:
    PUBLIC = "public"
    PRIVATE = "private"
    TRASH = "trash"
    CHOICES = (
        (PUBLIC, _("Public")),
        (PRIVATE, _("Private")),
        (TRASH, _("Trash")),
    )
    VALUES = tuple(value for value, _label in CHOICES)


@dataclass(frozen=True)
class AdminFilters:
    tab: str = Tab.PUBLIC
    vote_type: str = ""
    state: str = ""  # a Status value or ""
    period_from: date | None = None  # the vote's period overlaps these days
    period_to: date | None = None
    q: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _state_q(state: str, now: datetime) -> Q:
    """The status Debate.status_at derives, as a condition on the columns."""
    published = Q(is_published=True)
    results = published & Q(results_published_at__isnull=False, results_published_at__lte=now)
    if state == Status.DRAFT:
        return Q(is_published=False)
    if state == Status.RESULTS_PUBLISHED:
        return results
    if state == Status.SCHEDULED:
        return published & ~results & Q(opens_at__gt=now)
    if state == Status.IN_PROGRESS:
        return published & ~results & Q(opens_at__lte=now, closes_at__gt=now)
    if state == Status.CLOSED:
        return published & ~results & Q(closes_at__lte=now)
    return Q()


def _tab_q(tab: str) -> Q:
    if tab == Tab.TRASH:
        return Q(trashed_at__isnull=False)
    if tab == Tab.PRIVATE:
        return Q(trashed_at__isnull=True, is_hidden=True)
    return Q(trashed_at__isnull=True, is_hidden=False)


def _filtered(*, site: Agency, filters: AdminFilters) -> QuerySet[Debate]:
    qs = Debate.objects.filter(agency=site)
    if filters.vote_type:
        qs = qs.filter(vote_type=filters.vote_type)
    if filters.state:
        qs = qs.filter(_state_q(filters.state, timezone.now()))
    if filters.period_from:
        qs = qs.filter(closes_at__gte=_day_start(filters.period_from))
    if filters.period_to:
        qs = qs.filter(opens_at__lt=_day_start(filters.period_to + timedelta(days=1)))
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(body__icontains=filters.q))
    return qs


def _count_of(model_or_rows, field: str) -> Subquery:
    rows = model_or_rows.objects.all() if isinstance(model_or_rows, type) else model_or_rows
    return Coalesce(Subquery(
        rows.filter(**{field: OuterRef("pk")}).order_by().values(field)
        .annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()), Value(0))


def _offline_total() -> Coalesce:
    """The hall's current counts summed over a debate's options (for pro/con, people; for
    multiple choice and research, picks), as a subquery."""
    return Coalesce(Subquery(
        current_offline_counts().filter(debate=OuterRef("pk")).order_by().values("debate")
        .annotate(n=Sum("count")).values("n")[:1], output_field=IntegerField()), Value(0))


def admin_debates(*, site: Agency, filters: AdminFilters) -> QuerySet[Debate]:
    """The debates of the site's own agency in the filtered tab, newest first, each with
    `ballot_count`, `similar_count`, `comment_count` and `offline_total`. Call
    `with_participants` on a page of them."""
    similar = Debate.similar_proposals.through
    return (
        _filtered(site=site, filters=filters).filter(_tab_q(filters.tab))
        .annotate(ballot_count=_count_of(Ballot, "debate"), similar_count=_count_of(similar, "debate"),
                  comment_count=_count_of(Comment.objects.visible(),
                                          "debate"),
                  offline_total=_offline_total())
        .order_by("-created_at", "-id")
    )


def tab_counts(*, site: Agency, filters: AdminFilters) -> dict[str, int]:
    qs = _filtered(site=site, filters=filters)
    counts = qs.aggregate(**{tab: Count("pk", filter=_tab_q(tab)) for tab in Tab.VALUES})
    return {tab: counts[tab] or 0 for tab in Tab.VALUES}


def with_participants(debates: list[Debate]) -> list[Debate]:
    """Sets `participants` on each debate: its ballots, or for a discussion the number of
    distinct people who wrote or supported an opinion. Two queries whatever the page."""
    discussion_ids = [d.pk for d in debates if d.vote_type == VoteType.DISCUSSION]
    people: dict[int, set[int]] = defaultdict(set)
    if discussion_ids:
        for debate_id, author_id in Opinion.objects.filter(debate_id__in=discussion_ids).values_list(
                "debate_id", "author_id"):
            people[debate_id].add(author_id)
        for debate_id, citizen_id in OpinionSupport.objects.filter(
                opinion__debate_id__in=discussion_ids).values_list("opinion__debate_id", "citizen_id"):
            people[debate_id].add(citizen_id)
    for debate in debates:
        if debate.vote_type == VoteType.DISCUSSION:
            debate.participants = len(people[debate.pk])
        else:
            debate.participants = getattr(debate, "ballot_count", 0)
    return debates


def row_values(debate: Debate, now: datetime) -> dict:
    """One list row as plain values (the screen and the export read the same)."""
    return {
        "number": debate.pk,
        "vote_type": str(VoteType(debate.vote_type).label),
        "state": str(Status(debate.status_at(now)).label),
        "title": debate.title,
        "opens_at": debate.opens_at,
        "closes_at": debate.closes_at,
        "created": debate.created_at,
        "views": debate.view_count,
        "participants": debate.participants,
        "offline_total": getattr(debate, "offline_total", 0),
        "comments": getattr(debate, "comment_count", 0),
        "similar": debate.similar_count,
        "result": str(_("Published")) if debate.results_published_at else str(_("Not yet")),
    }


@dataclass(frozen=True)
class Column:
    key: str
    label: str


def columns() -> list[Column]:
    return [
        Column("number", _("No.")), Column("vote_type", _("Vote type")), Column("state", _("State")),
        Column("title", _("Title")), Column("opens_at", _("Opens")), Column("closes_at", _("Closes")),
        Column("created", _("Registered")), Column("views", _("Views")),
        Column("participants", _("Participants")), Column("offline_total", _("Offline count total")),
        Column("comments", _("Comments")),
        Column("similar", _("Similar proposals")), Column("result", _("Result")),
    ]


def admin_debate(*, site: Agency, pk) -> Debate | None:
    """One of the site's own debates, whatever its state (drafts, hidden, trashed)."""
    try:
        return Debate.objects.select_related("agency").get(pk=pk, agency=site)
    except (Debate.DoesNotExist, ValueError, TypeError):
        return None


# --- one debate's results --------------------------------------------------------------------
@dataclass
class OptionCount:
    """`count` is online (ballots, or picks); `offline` the hall's current counts."""

    label: str
    kind: str
    count: int
    offline: int = 0

    @property
    def combined(self) -> int:
        return self.count + self.offline


@dataclass
class QuestionResult:
    text: str
    required: bool
    max_choices: int
    answered: int  # online ballots that picked at least one of its options
    options: list[OptionCount]

    @property
    def totals(self) -> OptionCount:
        return _totals(self.options)


@dataclass
class DebateResults:
    debate: Debate
    ballots: int
    options: list[OptionCount]  # pro/con and multiple choice
    questions: list[QuestionResult]  # research
    opinions: list[Opinion]  # discussion, ranked by support
    other_texts: list[str]  # pro/con: what "other" voters wrote
    has_offline: bool = False  # the debate has current hall counts

    @property
    def totals(self) -> OptionCount:
        return _totals(self.options)


def _totals(options: list[OptionCount]) -> OptionCount:
    return OptionCount(str(_("Total")), "", sum(o.count for o in options), sum(o.offline for o in options))


def debate_results(debate: Debate) -> DebateResults:
    """The back office's results (page and export): online, offline and combined per option,
    from `selectors.option_splits`, the numbers the facilitator screen and the public page
    show."""
    ballots = Ballot.objects.filter(debate=debate)
    options, questions, opinions, other_texts = [], [], [], []
    all_options = list(debate.options.select_related("question").order_by("position", "id"))
    splits = option_splits(debate)

    def count(option) -> OptionCount:
        split = splits.of(option.pk)
        return OptionCount(option.label, option.kind, split.online, split.offline)

    total = splits.ballots
    if debate.vote_type == VoteType.PRO_CON:
        options = [count(o) for o in all_options]
        other_texts = list(ballots.exclude(other_text="").order_by("cast_at", "id").values_list("other_text", flat=True))
    elif debate.vote_type == VoteType.MULTIPLE_CHOICE:
        options = [count(o) for o in all_options if o.question_id is None]
    elif debate.vote_type == VoteType.RESEARCH:
        answered = dict(BallotChoice.objects.filter(ballot__debate=debate).values("option__question_id")
                        .annotate(n=Count("ballot_id", distinct=True)).values_list("option__question_id", "n"))
        for question in debate.questions.order_by("position", "id"):
            questions.append(QuestionResult(
                question.text, question.required, question.max_choices, answered.get(question.pk, 0),
                [count(o) for o in all_options if o.question_id == question.pk]))
    else:
        opinions = list(Opinion.objects.filter(debate=debate).select_related("author")
                        .order_by("-support_count", "created_at", "id"))
        total = with_participants([debate])[0].participants  # authors and supporters
    return DebateResults(debate, total, options, questions, opinions, other_texts, splits.has_offline)
