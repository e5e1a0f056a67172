"""Every measure recomputed from rows with known local times (see conftest.build_world)."""

from datetime import date

import pytest

from deliberation.statistics.periods import Period, add_months, months_between
from deliberation.statistics.selectors import site_statistics

from .conftest import NOW, PERIOD, answer, kst, proposal, review

pytestmark = pytest.mark.django_db


def by_month(stats):
    return {row.label: (row.proposals, row.supports) for row in stats.months}


def test_proposals_and_supports_per_month_in_seoul_time(world):
    stats = site_statistics(site=world.a, period=PERIOD, now=NOW)
    # A support at 2026-03-31 23:30 KST (14:30 UTC) is March's; a proposal at 2026-04-01 00:10
    # KST (March 31 in UTC) is April's. The trashed proposal and its support are left out; a
    # support given in May to a proposal filed before the range counts in May.
    assert by_month(stats) == {
        "2026-01": (0, 0), "2026-02": (1, 0), "2026-03": (1, 1), "2026-04": (1, 2), "2026-05": (2, 1),
        "2026-06": (0, 0),
    }
    assert (stats.total_proposals, stats.total_supports) == (5, 4)


def test_threshold_reach_rate_counts_periods_that_ended_in_the_range(world):
    t = site_statistics(site=world.a, period=PERIOD, now=NOW).thresholds
    # Ended by now and inside the range: p0 (Jan 30), p3, p1, p2, p6; p7 ends after "now".
    assert (t.ended, t.reached_answer, t.reached_debate, t.failed) == (5, 3, 1, 2)
    assert (t.answer_rate, t.debate_rate) == (60.0, 20.0)


def test_debates_by_vote_type_with_their_participation(world):
    stats = site_statistics(site=world.a, period=PERIOD, now=NOW)
    rows = {row.vote_type: (row.debates, row.ballots, row.opinions) for row in stats.debate_types}
    # The draft and the debate opened before the range are left out.
    assert rows == {"pro_con": (1, 3, 0), "discussion": (1, 0, 2), "research": (0, 0, 0),
                    "multiple_choice": (0, 0, 0)}
    assert stats.total_participation == 5
    assert [(d.vote_type, d.ballots, d.opinions, d.participation) for d in stats.debates] == [
        ("pro_con", 3, 0, 3), ("discussion", 0, 2, 2)]


def test_decisions_count_answers_approved_in_the_range(world):
    stats = site_statistics(site=world.a, period=PERIOD, now=NOW)
    # The returned answer and the trashed proposal's answer are not counted.
    assert [(row.decision, row.answers, row.share) for row in stats.decisions] == [
        ("accept", 1, 50.0), ("partial", 0, 0.0), ("reject", 1, 50.0)]


def test_answer_time_against_the_deadline(world):
    a = site_statistics(site=world.a, period=PERIOD, now=NOW).answer_time
    # 10 days (within 20) and 25 days (late): the median of two is their mean.
    assert (a.answered, a.within_deadline, a.late, a.within_share, a.median_days) == (2, 1, 1, 50.0, 17.5)
    # p6's review started May 20, deadline June 9, no approved answer on June 15.
    assert (a.open_reviews, a.overdue_open) == (1, 1)


def test_median_of_an_odd_number_is_the_middle_one(world):
    p = proposal(world.a, kst(2026, 5, 2), kst(2026, 6, 1), review_started_at=kst(2026, 5, 2))
    dept = world.a.departments.get()
    answer(review(p, kst(2026, 5, 2, 9)), dept, "accept", decided=kst(2026, 5, 5, 21))  # 3.5 days
    a = site_statistics(site=world.a, period=PERIOD, now=NOW).answer_time
    assert (a.answered, a.within_deadline, a.median_days) == (3, 2, 10.0)


def test_busiest_hours_add_supports_and_ballots_in_local_time(world):
    hours = {row.hour: (row.supports, row.ballots) for row in site_statistics(
        site=world.a, period=PERIOD, now=NOW).hours if row.total}
    assert hours == {0: (1, 0), 9: (1, 2), 10: (0, 1), 14: (1, 0), 21: (0, 1), 23: (1, 0)}


def test_agency_b_sees_only_its_own_rows(world):
    stats = site_statistics(site=world.b, period=PERIOD, now=NOW)
    assert (stats.total_proposals, stats.total_supports) == (1, 2)
    assert (stats.thresholds.ended, stats.thresholds.reached_answer) == (1, 1)
    assert stats.total_participation == 1
    assert [row.answers for row in stats.decisions] == [0, 1, 0]
    assert (stats.answer_time.answered, stats.answer_time.median_days, stats.answer_time.open_reviews) == (1, 5.0, 0)
    assert {row.hour: row.total for row in stats.hours if row.total} == {9: 3}
    assert stats.agencies == []


def test_the_city_counts_every_agency_and_breaks_them_down(world):
    stats = site_statistics(site=world.city, period=PERIOD, now=NOW)
    assert by_month(stats)["2026-03"] == (3, 4)
    assert (stats.total_proposals, stats.total_supports) == (7, 7)
    t = stats.thresholds
    assert (t.ended, t.reached_answer, t.reached_debate) == (7, 4, 1)
    assert stats.total_participation == 6
    assert [row.answers for row in stats.decisions] == [1, 1, 1]
    a = stats.answer_time
    assert (a.answered, a.within_deadline, a.median_days, a.overdue_open) == (3, 2, 10.0, 1)
    rows = {row.agency.slug: row for row in stats.agencies}
    assert set(rows) == {"seoul", "agency-a", "agency-b"}
    assert (rows["agency-a"].proposals, rows["agency-a"].supports, rows["agency-a"].ended,
            rows["agency-a"].reached_answer, rows["agency-a"].reached_debate, rows["agency-a"].debates,
            rows["agency-a"].participation, rows["agency-a"].approved_answers,
            rows["agency-a"].answered_within_deadline, rows["agency-a"].overdue_open) == (5, 4, 5, 3, 1, 2, 5, 2, 1, 1)
    assert (rows["seoul"].proposals, rows["seoul"].supports, rows["seoul"].ended, rows["seoul"].reached_answer) == (
        1, 1, 1, 0)
    # The breakdown adds up to the city's totals.
    for field, total in (("proposals", 7), ("supports", 7), ("ended", 7), ("reached_answer", 4),
                         ("reached_debate", 1), ("participation", 6), ("approved_answers", 3),
                         ("answered_within_deadline", 2), ("overdue_open", 1)):
        assert sum(getattr(row, field) for row in stats.agencies) == total, field


def test_an_empty_range_has_zeros_and_no_rates(world):
    stats = site_statistics(site=world.a, period=Period(date(2024, 1, 1), date(2024, 3, 31)), now=NOW)
    assert by_month(stats) == {"2024-01": (0, 0), "2024-02": (0, 0), "2024-03": (0, 0)}
    assert stats.thresholds.answer_rate is None
    assert stats.answer_time.median_days is None
    assert [row.share for row in stats.decisions] == [None, None, None]


def test_the_default_range_is_the_current_month_and_the_eleven_before():
    period = Period.default(date(2026, 6, 15))
    assert (period.start, period.end) == (date(2025, 7, 1), date(2026, 6, 15))
    assert len(period.months()) == 12
    assert period.start_at.isoformat() == "2025-07-01T00:00:00+09:00"
    assert period.end_before.isoformat() == "2026-06-16T00:00:00+09:00"
    assert add_months(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert months_between(date(2021, 7, 1), date(2026, 6, 30)) == 60


def test_the_figures_cost_the_same_queries_however_many_rows(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliberation.debates.models import VoteType
    from tests.factories import AgencyFactory

    from .conftest import ballots, debate, opinions, supports

    with CaptureQueriesContext(connection) as first:
        site_statistics(site=world.city, period=PERIOD, now=NOW)
    more = AgencyFactory()
    for month in (2, 3, 4):
        p = proposal(more, kst(2026, month, 1), kst(2026, month, 20), review_started_at=kst(2026, month, 2))
        supports(p, kst(2026, month, 3), kst(2026, month, 4))
        review(p, kst(2026, month, 2))
        ballots(debate(more, VoteType.PRO_CON, kst(2026, month, 5)), kst(2026, month, 6))
        opinions(debate(more, VoteType.DISCUSSION, kst(2026, month, 5)), 2)
    with CaptureQueriesContext(connection) as second:
        stats = site_statistics(site=world.city, period=PERIOD, now=NOW)
    assert len(stats.debates) == 3 + 6 and len(stats.agencies) == 4
    assert len(first) == len(second) <= 25, [q["sql"] for q in second.captured_queries]


def test_the_range_reads_use_an_index(world):
    """SQLite's plan names the index that serves the cross-agency range scans."""
    from django.db import connection

    from deliberation.statistics.selectors import site_ballots, site_proposals, site_supports

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's planner prefers a sequential scan on tables this small")
    for qs, index in ((site_supports(world.city).filter(**PERIOD.range_q("created_at")), "support_recent_idx"),
                      (site_ballots(world.city).filter(**PERIOD.range_q("cast_at")), "ballot_recent_idx"),
                      (site_proposals(world.city).filter(**PERIOD.range_q("closes_at")), "stats_proposal_closes_idx"),
                      (site_proposals(world.city).filter(**PERIOD.range_q("created_at")), "proposal_created_idx")):
        assert index in qs.explain(), qs.explain()
