"""A small world of rows with known local (Asia/Seoul) times, for recomputing every measure.

Agency A holds most rows; agency B and the city hold a few, so isolation and the city's totals
can be checked. "Now" is 2026-06-15 12:00 KST; the range is 2026-01-01 to 2026-06-30."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deliberation.agencies.models import Agency, Department
from deliberation.agencies.selectors import city
from deliberation.debates.models import Ballot, Debate, Opinion, VoteType
from deliberation.proposals.models import AnswerStatus, DepartmentAnswer, Proposal, Review, Support
from deliberation.statistics.periods import Period
from tests.factories import AgencyFactory, CitizenFactory

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=KST)
PERIOD = Period(start=date(2026, 1, 1), end=date(2026, 6, 30))
RANGE = {"start": "2026-01-01", "end": "2026-06-30"}


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


@dataclass
class World:
    a: Agency
    b: Agency
    city: Agency
    proposals: dict


def proposal(agency, created, closes, **milestones):
    return Proposal.objects.create(agency=agency, author=CitizenFactory(), title=f"제안 {created:%m-%d %H:%M}",
                                   body="본문", created_at=created, last_activity_at=created,
                                   closes_at=closes, **milestones)


def supports(target, *moments):
    for moment in moments:
        Support.objects.create(proposal=target, citizen=CitizenFactory(), created_at=moment)


def debate(agency, vote_type, opens, *, published=True, title="토론"):
    return Debate.objects.create(agency=agency, title=title, vote_type=vote_type, is_published=published,
                                 opens_at=opens, closes_at=opens + timedelta(days=14))


def ballots(target, *moments):
    for moment in moments:
        ballot = Ballot.objects.create(debate=target, citizen=CitizenFactory())
        Ballot.objects.filter(pk=ballot.pk).update(cast_at=moment)  # cast_at is auto_now_add


def opinions(target, count):
    for _ in range(count):
        Opinion.objects.create(debate=target, author=CitizenFactory(), body="의견")


def review(target, started, *, days=20):
    return Review.objects.create(proposal=target, started_at=started, deadline=started + timedelta(days=days))


def answer(target_review, department, decision, *, status=AnswerStatus.APPROVED, decided=None):
    return DepartmentAnswer.objects.create(
        review=target_review, department=department, body="답변", decision=decision, written_by=CitizenFactory(),
        written_at=decided or target_review.started_at, status=status, decided_at=decided)


def build_world() -> World:
    a, b, seoul = AgencyFactory(name="가기관", slug="agency-a"), AgencyFactory(name="나기관", slug="agency-b"), city()
    dept_a = Department.objects.create(agency=a, name="교통과")
    dept_b = Department.objects.create(agency=b, name="복지과")

    # A: created 23:30 KST on March 31 is 14:30 UTC the same day: March either way. Created
    # 00:10 KST on April 1 is still March 31 in UTC: April in Seoul.
    p1 = proposal(a, kst(2026, 3, 31, 23, 30), kst(2026, 4, 30, 23, 59),
                  review_started_at=kst(2026, 4, 10, 9), promoted_at=kst(2026, 4, 20, 9))
    p2 = proposal(a, kst(2026, 4, 1, 0, 10), kst(2026, 5, 1, 0, 10), review_started_at=kst(2026, 4, 15, 9))
    p3 = proposal(a, kst(2026, 2, 10, 12), kst(2026, 3, 12, 12), failed_at=kst(2026, 3, 12, 12, 1))
    p6 = proposal(a, kst(2026, 5, 1, 10), kst(2026, 5, 31, 10), review_started_at=kst(2026, 5, 20, 9))
    # Its period ends inside the range but after "now": not counted as ended.
    proposal(a, kst(2026, 5, 25, 10), kst(2026, 6, 24, 10))
    # Before the range: its late support still counts in May, the proposal does not.
    p0 = proposal(a, kst(2025, 12, 31, 23, 59), kst(2026, 1, 30, 23, 59), failed_at=kst(2026, 1, 31))
    trashed = proposal(a, kst(2026, 3, 10, 12), kst(2026, 4, 9, 12), review_started_at=kst(2026, 3, 11))
    Proposal.objects.filter(pk=trashed.pk).update(trashed_at=kst(2026, 3, 12))
    supports(p1, kst(2026, 3, 31, 23, 30), kst(2026, 4, 1, 0, 30))
    supports(p2, kst(2026, 4, 2, 9, 15))
    supports(p0, kst(2026, 5, 3, 14))
    supports(trashed, kst(2026, 3, 11, 9))

    r1 = review(p1, kst(2026, 4, 10, 9))
    answer(r1, dept_a, "partial", status=AnswerStatus.RETURNED, decided=kst(2026, 4, 15, 9))
    answer(r1, dept_a, "accept", decided=kst(2026, 4, 20, 9))  # 10 days: within 20
    r2 = review(p2, kst(2026, 4, 15, 9))
    answer(r2, dept_a, "reject", decided=kst(2026, 5, 10, 9))  # 25 days: late
    review(p6, kst(2026, 5, 20, 9))  # deadline June 9: overdue by "now", no answer
    r_trash = review(trashed, kst(2026, 3, 11))
    answer(r_trash, dept_a, "accept", decided=kst(2026, 3, 20))

    d1 = debate(a, VoteType.PRO_CON, kst(2026, 3, 5, 10))
    ballots(d1, kst(2026, 3, 6, 9, 30), kst(2026, 3, 6, 9, 45), kst(2026, 3, 6, 21))
    d2 = debate(a, VoteType.DISCUSSION, kst(2026, 4, 10, 10))
    opinions(d2, 2)
    debate(a, VoteType.PRO_CON, kst(2026, 4, 1, 10), published=False)  # a draft: not counted
    d_before = debate(a, VoteType.PRO_CON, kst(2025, 12, 20, 10))  # opened before the range
    ballots(d_before, kst(2026, 1, 5, 10))

    # B: one of everything, which must never show in A's figures.
    p4 = proposal(b, kst(2026, 3, 15, 10), kst(2026, 4, 14, 10), review_started_at=kst(2026, 3, 20, 9))
    supports(p4, kst(2026, 3, 16, 9), kst(2026, 3, 16, 9, 5))
    r4 = review(p4, kst(2026, 3, 20, 9))
    answer(r4, dept_b, "partial", decided=kst(2026, 3, 25, 9))  # 5 days
    d_b = debate(b, VoteType.MULTIPLE_CHOICE, kst(2026, 3, 5, 10))
    ballots(d_b, kst(2026, 3, 6, 9, 10))

    # The city's own proposal.
    p5 = proposal(seoul, kst(2026, 3, 20, 15), kst(2026, 4, 19, 15), failed_at=kst(2026, 4, 19, 15, 1))
    supports(p5, kst(2026, 3, 21, 18))
    return World(a=a, b=b, city=seoul, proposals={"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5})


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
