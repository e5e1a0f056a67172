"""Statistics of one site over a date range, every figure counted by the database from rows.

Scope follows the city archive (`proposals.selectors.proposals_for_site`): an agency's site
counts that agency's rows; the city's site counts every agency's. Proposals in the trash are
left out everywhere (with their supports, reviews and answers), as are debates in the trash
and debates never published. Months and hours are local (Asia/Seoul, settings.TIME_ZONE):
the database truncates in that zone (`TruncMonth`/`ExtractHour` with `tzinfo`), on SQLite and
PostgreSQL alike."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, ExtractHour, TruncMonth
from django.utils import timezone

from deliberation.agencies.models import Agency
from deliberation.debates.models import Ballot, Debate, Opinion, VoteType
from deliberation.proposals.models import AnswerStatus, Decision, DepartmentAnswer, Review, Support
from deliberation.proposals.selectors import proposals_for_site

from .periods import Period


# --- results ---------------------------------------------------------------------------------
def rate(part: int, whole: int) -> float | None:
    """A share in per cent with one decimal, or None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class MonthRow:
    month: date  # the first day of the local month
    proposals: int
    supports: int

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass(frozen=True)
class Thresholds:
    """Proposals whose support period ended in the range, and how many of them reached the
    answer threshold (a review started) and the debate threshold (promoted, "500 BEST")."""

    ended: int
    reached_answer: int
    reached_debate: int

    @property
    def failed(self) -> int:
        return self.ended - self.reached_answer

    @property
    def answer_rate(self) -> float | None:
        return rate(self.reached_answer, self.ended)

    @property
    def debate_rate(self) -> float | None:
        return rate(self.reached_debate, self.ended)


@dataclass(frozen=True)
class DebateTypeRow:
    vote_type: str
    label: str
    debates: int
    ballots: int
    opinions: int

    @property
    def participation(self) -> int:
        return self.ballots + self.opinions


@dataclass(frozen=True)
class DebateRow:
    pk: int
    agency: str
    title: str
    vote_type: str
    type_label: str
    opens_at: datetime
    closes_at: datetime
    ballots: int
    opinions: int

    @property
    def participation(self) -> int:
        return self.ballots + self.opinions


@dataclass(frozen=True)
class DecisionRow:
    decision: str
    label: str
    answers: int
    share: float | None


@dataclass(frozen=True)
class AnswerTime:
    """Reviews whose first approved department answer came in the range, measured from the
    review's start against the review's deadline; open reviews are counted as of now."""

    answered: int
    within_deadline: int
    median_days: float | None
    open_reviews: int
    overdue_open: int

    @property
    def late(self) -> int:
        return self.answered - self.within_deadline

    @property
    def within_share(self) -> float | None:
        return rate(self.within_deadline, self.answered)


@dataclass(frozen=True)
class HourRow:
    hour: int
    supports: int
    ballots: int

    @property
    def total(self) -> int:
        return self.supports + self.ballots


@dataclass(frozen=True)
class AgencyRow:
    """One agency's line in the city's breakdown."""

    agency: Agency
    proposals: int
    supports: int
    ended: int
    reached_answer: int
    reached_debate: int
    debates: int
    participation: int
    approved_answers: int
    answered_within_deadline: int
    overdue_open: int

    @property
    def answer_rate(self) -> float | None:
        return rate(self.reached_answer, self.ended)


@dataclass(frozen=True)
class SiteStatistics:
    site: Agency
    period: Period
    months: list[MonthRow]
    thresholds: Thresholds
    debate_types: list[DebateTypeRow]
    debates: list[DebateRow]
    decisions: list[DecisionRow]
    answer_time: AnswerTime
    hours: list[HourRow]
    agencies: list[AgencyRow] = field(default_factory=list)  # the city's breakdown only

    @property
    def total_proposals(self) -> int:
        return sum(row.proposals for row in self.months)

    @property
    def total_supports(self) -> int:
        return sum(row.supports for row in self.months)

    @property
    def total_participation(self) -> int:
        return sum(row.participation for row in self.debate_types)

    @property
    def total_decisions(self) -> int:
        return sum(row.answers for row in self.decisions)


# --- scoped querysets ------------------------------------------------------------------------
def _on_site(qs: QuerySet, site: Agency, agency_path: str) -> QuerySet:
    """The cross-listing rule of `proposals_for_site` for any row: the city sees every agency."""
    return qs if site.is_city else qs.filter(**{agency_path: site})


def site_proposals(site: Agency):
    return proposals_for_site(site=site).filter(trashed_at__isnull=True).order_by()


def site_supports(site: Agency):
    qs = Support.objects.filter(proposal__trashed_at__isnull=True)
    return _on_site(qs, site, "proposal__agency")


def site_debates(site: Agency):
    qs = Debate.objects.filter(is_published=True, trashed_at__isnull=True).order_by()
    return _on_site(qs, site, "agency")


def site_ballots(site: Agency):
    qs = Ballot.objects.filter(debate__is_published=True, debate__trashed_at__isnull=True)
    return _on_site(qs, site, "debate__agency")


def site_reviews(site: Agency):
    qs = Review.objects.filter(proposal__trashed_at__isnull=True)
    return _on_site(qs, site, "proposal__agency")


def _approved_answers_of(review_ref):
    return DepartmentAnswer.objects.filter(review=review_ref, status=AnswerStatus.APPROVED)


def _first_approval():
    """When citizens first saw an answer: the earliest approval of the review's answers. The
    same rule as the back office's overdue flag (deadline passed, no approved answer)."""
    return Subquery(_approved_answers_of(OuterRef("pk")).order_by("decided_at").values("decided_at")[:1])


def _grouped(qs: QuerySet, key: str, **counts) -> dict:
    """{key value: {name: count}} from one GROUP BY query."""
    return {row.pop(key): row for row in qs.order_by().values(key).annotate(**counts)}


# --- measures --------------------------------------------------------------------------------
def monthly(site: Agency, period: Period) -> list[MonthRow]:
    tz = period.tz

    def per_month(qs, column):
        rows = (qs.filter(**period.range_q(column)).annotate(month=TruncMonth(column, tzinfo=tz))
                .order_by().values("month").annotate(n=Count("pk")))
        return {timezone.localtime(row["month"], tz).date().replace(day=1): row["n"] for row in rows}

    proposals = per_month(site_proposals(site), "created_at")
    supports = per_month(site_supports(site), "created_at")
    return [MonthRow(month, proposals.get(month, 0), supports.get(month, 0)) for month in period.months()]


def _ended(site: Agency, period: Period, now) -> QuerySet:
    """Proposals whose support period ended inside the range (and has ended by now)."""
    return site_proposals(site).filter(**period.range_q("closes_at")).filter(closes_at__lte=now)


THRESHOLD_COUNTS = {
    "ended": Count("pk"),
    "reached_answer": Count("pk", filter=Q(review_started_at__isnull=False)),
    "reached_debate": Count("pk", filter=Q(promoted_at__isnull=False)),
}


def thresholds(site: Agency, period: Period, now) -> Thresholds:
    return Thresholds(**_ended(site, period, now).aggregate(**THRESHOLD_COUNTS))


def _opened(site: Agency, period: Period) -> QuerySet:
    return site_debates(site).filter(**period.range_q("opens_at"))


def debate_types(site: Agency, period: Period) -> list[DebateTypeRow]:
    debates = _opened(site, period)
    counts = _grouped(debates, "vote_type", n=Count("pk"))
    ballots = _grouped(Ballot.objects.filter(debate__in=debates), "debate__vote_type", n=Count("pk"))
    opinions = _grouped(Opinion.objects.filter(debate__in=debates), "debate__vote_type", n=Count("pk"))
    return [
        DebateTypeRow(value, str(label), counts.get(value, {}).get("n", 0),
                      ballots.get(value, {}).get("n", 0), opinions.get(value, {}).get("n", 0))
        for value, label in VoteType.choices
    ]


def _count_of(model, **filters):
    rows = model.objects.filter(debate=OuterRef("pk"), **filters).order_by().values("debate")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0, output_field=IntegerField())


def debate_rows(site: Agency, period: Period) -> list[DebateRow]:
    """Every debate opened in the range with its ballots and opinions (one query)."""
    qs = (_opened(site, period).select_related("agency")
          .annotate(n_ballots=_count_of(Ballot), n_opinions=_count_of(Opinion))
          .order_by("opens_at", "pk"))
    labels = dict(VoteType.choices)
    return [
        DebateRow(d.pk, d.agency.name, d.title, d.vote_type, str(labels.get(d.vote_type, d.vote_type)), d.opens_at,
                  d.closes_at, d.n_ballots, d.n_opinions)
        for d in qs
    ]


def _approved_in(site: Agency, period: Period) -> QuerySet:
    return DepartmentAnswer.objects.filter(
        status=AnswerStatus.APPROVED, review__proposal__trashed_at__isnull=True, **period.range_q("decided_at"),
    ).filter(**({} if site.is_city else {"review__proposal__agency": site}))


def decisions(site: Agency, period: Period) -> list[DecisionRow]:
    counts = _grouped(_approved_in(site, period), "decision", n=Count("pk"))
    total = sum(row["n"] for row in counts.values())
    return [
        DecisionRow(value, str(label), counts.get(value, {}).get("n", 0), rate(counts.get(value, {}).get("n", 0), total))
        for value, label in Decision.choices
    ]


def _answered(site: Agency, period: Period) -> QuerySet:
    return (site_reviews(site).annotate(answered_at=_first_approval())
            .filter(**period.range_q("answered_at")))


ANSWER_COUNTS = {
    "answered": Count("pk"),
    "within_deadline": Count("pk", filter=Q(answered_at__lte=F("deadline"))),
}


def _open_counts(now) -> dict:
    no_approved = ~Exists(_approved_answers_of(OuterRef("pk")))
    return {"open_reviews": Count("pk", filter=no_approved),
            "overdue_open": Count("pk", filter=no_approved & Q(deadline__lt=now))}


def answer_time(site: Agency, period: Period, now) -> AnswerTime:
    answered = _answered(site, period)
    counts = answered.order_by().aggregate(**ANSWER_COUNTS)
    open_counts = site_reviews(site).order_by().aggregate(**_open_counts(now))
    return AnswerTime(**counts, median_days=_median_days(answered, counts["answered"]), **open_counts)


def _median_days(answered: QuerySet, n: int) -> float | None:
    """The median time from review start to first approval, in days: the database sorts the
    durations and returns the one or two middle values."""
    if not n:
        return None
    took = ExpressionWrapper(F("answered_at") - F("started_at"), output_field=DurationField())
    middle = list(answered.annotate(took=took).order_by("took", "pk")
                  .values_list("took", flat=True)[(n - 1) // 2: n // 2 + 1])
    median = sum(middle, timedelta()) / len(middle)
    return round(median.total_seconds() / 86400, 1)


def hours(site: Agency, period: Period) -> list[HourRow]:
    """Supports and ballots by hour of the day, local time."""
    tz = period.tz

    def per_hour(qs, column):
        rows = (qs.filter(**period.range_q(column)).annotate(hour=ExtractHour(column, tzinfo=tz))
                .order_by().values("hour").annotate(n=Count("pk")))
        return {row["hour"]: row["n"] for row in rows}

    supports = per_hour(site_supports(site), "created_at")
    ballots = per_hour(site_ballots(site), "cast_at")
    return [HourRow(hour, supports.get(hour, 0), ballots.get(hour, 0)) for hour in range(24)]


def agency_breakdown(period: Period, now) -> list[AgencyRow]:
    """The city's table: one row per agency (the city included), each figure one grouped query
    over all agencies."""
    city = Agency.objects.filter(is_city=True).first()
    everything = city if city is not None else Agency(is_city=True)
    proposals = _grouped(site_proposals(everything).filter(**period.range_q("created_at")), "agency", n=Count("pk"))
    supports = _grouped(site_supports(everything).filter(**period.range_q("created_at")),
                        "proposal__agency", n=Count("pk"))
    ended = _grouped(_ended(everything, period, now), "agency", **THRESHOLD_COUNTS)
    opened = _opened(everything, period)
    debates = _grouped(opened, "agency", n=Count("pk"))
    ballots = _grouped(Ballot.objects.filter(debate__in=opened), "debate__agency", n=Count("pk"))
    opinions = _grouped(Opinion.objects.filter(debate__in=opened), "debate__agency", n=Count("pk"))
    approved = _grouped(_approved_in(everything, period), "review__proposal__agency", n=Count("pk"))
    answered = _grouped(_answered(everything, period), "proposal__agency", **ANSWER_COUNTS)
    overdue = _grouped(site_reviews(everything), "proposal__agency", **_open_counts(now))

    def n(table, pk, key="n"):
        return table.get(pk, {}).get(key, 0)

    return [
        AgencyRow(
            agency=agency, proposals=n(proposals, agency.pk), supports=n(supports, agency.pk),
            ended=n(ended, agency.pk, "ended"), reached_answer=n(ended, agency.pk, "reached_answer"),
            reached_debate=n(ended, agency.pk, "reached_debate"), debates=n(debates, agency.pk),
            participation=n(ballots, agency.pk) + n(opinions, agency.pk),
            approved_answers=n(approved, agency.pk),
            answered_within_deadline=n(answered, agency.pk, "within_deadline"),
            overdue_open=n(overdue, agency.pk, "overdue_open"),
        )
        for agency in Agency.objects.order_by("-is_city", "name")
    ]


def site_statistics(*, site: Agency, period: Period, now=None) -> SiteStatistics:
    now = now or timezone.now()
    return SiteStatistics(
        site=site, period=period, months=monthly(site, period), thresholds=thresholds(site, period, now),
        debate_types=debate_types(site, period), debates=debate_rows(site, period),
        decisions=decisions(site, period), answer_time=answer_time(site, period, now), hours=hours(site, period),
        agencies=agency_breakdown(period, now) if site.is_city else [],
    )
