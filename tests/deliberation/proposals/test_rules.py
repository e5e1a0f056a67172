"""The rules of citizen proposals, through the services: filing, supports, thresholds crossed
once, milestones kept, periods that close themselves, cross-listing, views."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from deliberation.agencies.selectors import city
from deliberation.audit.models import AuditEntry
from deliberation.debates.models import Debate
from deliberation.errors import NotFound
from deliberation.proposals import selectors, services
from deliberation.proposals.errors import (
    AgencyClosed, AlreadySupported, InvalidProposal, NotSupported, ProposalClosed,
)
from deliberation.proposals.models import Phase, Proposal, Review, Support
from deliberation.clock import sweep
from tests.factories import AgencyFactory, CitizenFactory

pytestmark = pytest.mark.django_db


def file(agency, **kwargs):
    kwargs.setdefault("author", CitizenFactory())
    kwargs.setdefault("title", "자전거도로 야간 조명")
    kwargs.setdefault("body", "밤에 어둡습니다.")
    kwargs.setdefault("policy_category", "transport")
    return services.file_proposal(agency=agency, **kwargs)


def set_thresholds(agency, *, answer, debate, period_days=30, review_days=20):
    agency.answer_threshold, agency.debate_threshold = answer, debate
    agency.support_period_days, agency.review_deadline_days = period_days, review_days
    agency.save()


def support_n(proposal, n):
    for _ in range(n):
        services.support(proposal_id=proposal.pk, citizen=CitizenFactory())


# --- filing ---------------------------------------------------------------------------------
def test_filing_sets_the_period_from_the_agencys_settings(agency):
    set_thresholds(agency, answer=50, debate=500, period_days=12)
    proposal = file(agency, themes="#자전거도로 #야간 자전거도로")
    assert proposal.closes_at - proposal.created_at == timedelta(days=12)
    assert sorted(t.name for t in proposal.themes.all()) == ["야간", "자전거도로"]
    assert proposal.phase == Phase.OPEN


def test_markup_is_stripped_on_the_way_in(agency):
    proposal = file(agency, title="<b>조명</b> 설치", body='<script>alert(1)</script><img src=x onerror=alert(2)>밤이 <i>어둡다</i>')
    proposal.refresh_from_db()
    assert proposal.title == "조명 설치"
    assert proposal.body == "밤이 어둡다"


@pytest.mark.parametrize("fields, bad_field", [
    ({"title": ""}, "title"),
    ({"title": "가" * 121}, "title"),
    ({"body": "   "}, "body"),
    ({"body": "가" * 10_001}, "body"),
    ({"policy_category": "astrology"}, "policy_category"),
    ({"district": "atlantis"}, "district"),
    ({"themes": "#ok #not-one-word"}, "themes"),
    ({"themes": "#a #b #c #d #e #f"}, "themes"),
])
def test_bad_fields_are_refused_with_the_field_named_and_nothing_stored(agency, fields, bad_field):
    with pytest.raises(InvalidProposal) as refused:
        file(agency, **fields)
    assert bad_field in refused.value.errors
    assert not Proposal.objects.exists()


def test_a_closed_agency_takes_no_proposals(agency):
    agency.is_active = False
    agency.save()
    with pytest.raises(AgencyClosed):
        file(agency)
    assert not Proposal.objects.exists()


# --- supports -------------------------------------------------------------------------------
def test_one_support_per_citizen_and_withdrawal_while_open(agency):
    proposal, citizen = file(agency), CitizenFactory()
    services.support(proposal_id=proposal.pk, citizen=citizen)
    with pytest.raises(AlreadySupported):
        services.support(proposal_id=proposal.pk, citizen=citizen)
    proposal.refresh_from_db()
    assert proposal.support_count == 1 == Support.objects.count()

    services.withdraw_support(proposal_id=proposal.pk, citizen=citizen)
    with pytest.raises(NotSupported):
        services.withdraw_support(proposal_id=proposal.pk, citizen=citizen)
    proposal.refresh_from_db()
    assert proposal.support_count == 0 == Support.objects.count()


def test_no_support_or_withdrawal_after_the_period(agency):
    citizen = CitizenFactory()
    proposal = file(agency)
    services.support(proposal_id=proposal.pk, citizen=citizen)
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ProposalClosed):
        services.support(proposal_id=proposal.pk, citizen=CitizenFactory())
    with pytest.raises(ProposalClosed):
        services.withdraw_support(proposal_id=proposal.pk, citizen=citizen)
    assert Support.objects.count() == 1


def test_private_or_trashed_proposals_take_no_support(agency):
    proposal = file(agency)
    Proposal.objects.filter(pk=proposal.pk).update(is_public=False)
    with pytest.raises(NotFound):
        services.support(proposal_id=proposal.pk, citizen=CitizenFactory())
    Proposal.objects.filter(pk=proposal.pk).update(is_public=True, trashed_at=timezone.now())
    with pytest.raises(NotFound):
        services.support(proposal_id=proposal.pk, citizen=CitizenFactory())
    assert not Support.objects.exists()


# --- thresholds -----------------------------------------------------------------------------
def test_answer_threshold_starts_the_review_once_with_the_agencys_deadline(agency):
    set_thresholds(agency, answer=3, debate=6, review_days=9)
    proposal = file(agency)
    support_n(proposal, 2)
    assert not Review.objects.exists()
    support_n(proposal, 1)
    review = Review.objects.get(proposal=proposal)
    assert review.deadline - review.started_at == timedelta(days=9)
    proposal.refresh_from_db()
    assert proposal.review_started_at == review.started_at
    support_n(proposal, 1)
    assert Review.objects.count() == 1
    assert AuditEntry.objects.filter(action="proposal.review_started", target_id=proposal.pk).count() == 1


def test_debate_threshold_creates_one_draft_debate_and_the_badge(agency):
    set_thresholds(agency, answer=2, debate=4)
    proposal = file(agency, title="응원봉 금지")
    support_n(proposal, 4)
    proposal.refresh_from_db()
    assert proposal.is_best and proposal.debate is not None
    debate = proposal.debate
    assert debate.agency == agency and debate.title == "응원봉 금지" and not debate.is_published
    assert debate.status == "draft"
    support_n(proposal, 3)
    assert Debate.objects.count() == 1


def test_a_withdrawal_after_a_crossing_lowers_the_count_but_keeps_the_milestones(agency):
    set_thresholds(agency, answer=2, debate=3)
    proposal = file(agency)
    supporters = [CitizenFactory() for _ in range(3)]
    for citizen in supporters:
        services.support(proposal_id=proposal.pk, citizen=citizen)
    for citizen in supporters:
        services.withdraw_support(proposal_id=proposal.pk, citizen=citizen)
    proposal.refresh_from_db()
    assert proposal.support_count == 0
    assert proposal.review_started_at and proposal.promoted_at and proposal.debate_id
    for citizen in supporters:
        services.support(proposal_id=proposal.pk, citizen=citizen)
    assert Review.objects.count() == 1 and Debate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_supports_cross_each_threshold_exactly_once(agency):
    """Many citizens at once, each in its own connection: the row lock (PostgreSQL) or the
    IMMEDIATE transaction (SQLite) orders them, so there is one review and one debate."""
    set_thresholds(agency, answer=10, debate=30)
    proposal = file(agency)
    citizens = [CitizenFactory() for _ in range(40)]
    start, errors = threading.Barrier(8), []

    def supporters(batch):
        try:
            start.wait()
            for citizen in batch:
                services.support(proposal_id=proposal.pk, citizen=citizen)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=supporters, args=(citizens[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    proposal.refresh_from_db()
    assert proposal.support_count == 40 == Support.objects.filter(proposal=proposal).count()
    assert Review.objects.filter(proposal=proposal).count() == 1
    assert Debate.objects.count() == 1
    assert proposal.debate_id == Debate.objects.get().pk
    assert AuditEntry.objects.filter(action="proposal.promoted").count() == 1


# --- periods that close themselves ------------------------------------------------------------
def test_the_sweep_fails_expired_proposals_below_the_threshold_once(agency):
    set_thresholds(agency, answer=1, debate=5)
    old = timezone.now() - timedelta(days=31)
    below = file(agency, now=old)
    reviewed = file(agency, now=old)
    services.support(proposal_id=reviewed.pk, citizen=CitizenFactory(), now=old)
    still_open = file(agency)

    # Before the sweep the page already says so (derived from the clock).
    assert Proposal.objects.get(pk=below.pk).phase == Phase.FAILED
    assert sweep()["proposals_failed"] == 1
    assert sweep()["proposals_failed"] == 0
    assert sweep()["idempotency_records_purged"] == 0
    below.refresh_from_db()
    reviewed.refresh_from_db()
    still_open.refresh_from_db()
    assert below.failed_at is not None and below.phase == Phase.FAILED
    assert reviewed.failed_at is None and reviewed.phase == Phase.CLOSED
    assert still_open.failed_at is None and still_open.phase == Phase.OPEN
    assert AuditEntry.objects.filter(action="proposal.failed").count() == 1


def test_the_sweep_command_runs_on_demand(agency, capsys):
    from django.core.management import call_command

    file(agency, now=timezone.now() - timedelta(days=40))
    call_command("sweep_clock")
    assert "proposals_failed: 1" in capsys.readouterr().out


# --- cross-listing ------------------------------------------------------------------------------
def test_an_agencys_proposal_is_listed_on_its_site_and_the_citys_a_city_one_only_on_the_citys():
    agency_a, agency_b = AgencyFactory(), AgencyFactory()
    for_a, for_city = file(agency_a, title="A의 제안"), file(city(), title="서울의 제안")
    assert list(selectors.listed_proposals(site=agency_a)) == [for_a]
    assert set(selectors.listed_proposals(site=city())) == {for_a, for_city}
    assert not selectors.listed_proposals(site=agency_b).exists()
    with pytest.raises(NotFound):
        selectors.proposal_on_site(site=agency_b, pk=for_a.pk)
    with pytest.raises(NotFound):
        selectors.proposal_on_site(site=agency_a, pk=for_city.pk)


def test_list_filters_sorts_and_search(agency):
    first = file(agency, title="자전거 조명", policy_category="transport", district="mapo", themes="#자전거도로")
    second = file(agency, title="공원 벤치", body="그늘 벤치", policy_category="environment")
    support_n(second, 2)
    site_list = lambda **f: list(selectors.listed_proposals(site=agency, filters=selectors.ListFilters(**f)))  # noqa: E731
    assert site_list(category="transport") == [first]
    assert site_list(district="mapo") == [first]
    assert site_list(theme="자전거도로") == [first]
    assert site_list(q="그늘") == [second]
    assert site_list(sort="supports") == [second, first]
    assert site_list(sort="newest") == [second, first]


def test_a_view_counts_once_per_visitor_per_day(agency):
    cache.clear()
    proposal = file(agency)
    today = timezone.now()
    assert services.record_view(proposal=proposal, visitor_key="u1", now=today)
    assert not services.record_view(proposal=proposal, visitor_key="u1", now=today)
    assert services.record_view(proposal=proposal, visitor_key="u2", now=today)
    assert services.record_view(proposal=proposal, visitor_key="u1", now=today + timedelta(days=1))
    proposal.refresh_from_db()
    assert proposal.view_count == 3
