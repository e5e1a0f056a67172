"""The live dashboard (알림판): its counters from real rows, agency isolation, the city-wide
view, and who may open the page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from deliberation.agencies.dashboard import debate_agencies, live_counters, proposal_agencies
from deliberation.agencies.selectors import city
from deliberation.agencies.services import add_department
from deliberation.agencies.sites import site_reverse
from deliberation.comments.models import Comment
from deliberation.comments.services import post_comment, report_comment
from deliberation.debates.models import Ballot
from deliberation.debates.services import cast_ballot
from deliberation.proposals.models import AnswerStatus, Decision, DepartmentAnswer, Proposal, Support
from deliberation.proposals.services import support
from tests.factories import (
    AgencyFactory, CitizenFactory, agency_admin, given_proposal, given_proposal_in_review, open_pro_con_debate,
    platform_admin,
)

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def vote(debate, *, seconds_ago=0):
    ballot = cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=debate.options.first().pk)
    if seconds_ago:
        Ballot.objects.filter(pk=ballot.pk).update(cast_at=timezone.now() - timedelta(seconds=seconds_ago))
    return ballot


def supported(proposal, *, seconds_ago=0):
    citizen = CitizenFactory()
    support(proposal_id=proposal.pk, citizen=citizen)
    if seconds_ago:
        Support.objects.filter(proposal=proposal, citizen=citizen).update(
            created_at=timezone.now() - timedelta(seconds=seconds_ago))
    return citizen


def test_ballots_per_minute_counts_the_last_minute_on_the_sites_debates(agency, other_agency):
    debate = open_pro_con_debate(agency=agency)
    vote(debate)
    vote(debate, seconds_ago=30)
    vote(debate, seconds_ago=61)  # older than a minute
    vote(open_pro_con_debate(agency=other_agency))  # another agency's debate
    assert live_counters(site=agency)["ballots_per_minute"] == 2
    assert live_counters(site=other_agency)["ballots_per_minute"] == 1


def test_supports_per_minute_counts_the_last_minute_not_withdrawn(agency, other_agency):
    from deliberation.proposals.services import withdraw_support

    proposal = given_proposal(agency=agency)
    supported(proposal)
    supported(proposal, seconds_ago=59)
    supported(proposal, seconds_ago=90)  # too old
    withdrawn = supported(proposal)
    withdraw_support(proposal_id=proposal.pk, citizen=withdrawn)
    supported(given_proposal(agency=other_agency))
    assert live_counters(site=agency)["supports_per_minute"] == 2
    assert live_counters(site=other_agency)["supports_per_minute"] == 1


def test_proposals_today_start_at_midnight_in_seoul(agency, other_agency):
    # 00:30 in Seoul is 15:30 UTC the day before: a UTC "today" would count the wrong rows.
    now = datetime(2026, 11, 26, 0, 30, tzinfo=SEOUL)
    today = given_proposal(agency=agency)
    before_midnight = given_proposal(agency=agency)
    trashed = given_proposal(agency=agency)
    offline_private = given_proposal(agency=agency)
    elsewhere = given_proposal(agency=other_agency)
    Proposal.objects.filter(pk__in=[today.pk, trashed.pk, offline_private.pk, elsewhere.pk]).update(
        created_at=datetime(2026, 11, 26, 0, 10, tzinfo=SEOUL))
    Proposal.objects.filter(pk=before_midnight.pk).update(created_at=datetime(2026, 11, 25, 23, 50, tzinfo=SEOUL))
    Proposal.objects.filter(pk=trashed.pk).update(trashed_at=now)
    Proposal.objects.filter(pk=offline_private.pk).update(is_public=False, is_offline=True)

    assert live_counters(site=agency, now=now)["proposals_today"] == 2  # today's and the private one
    assert live_counters(site=other_agency, now=now)["proposals_today"] == 1


def test_reviews_due_are_reviews_without_an_approved_answer(agency, other_agency):
    waiting = given_proposal_in_review(agency=agency)
    answered_not_approved = given_proposal_in_review(agency=agency)
    approved = given_proposal_in_review(agency=agency)
    trashed = given_proposal_in_review(agency=agency)
    given_proposal(agency=agency)  # below the threshold: no review
    given_proposal_in_review(agency=other_agency)
    department = add_department(agency=agency, name="도로과")
    admin = agency_admin(agency)
    for proposal, status in ((answered_not_approved, AnswerStatus.SUBMITTED), (approved, AnswerStatus.APPROVED)):
        DepartmentAnswer.objects.create(review=proposal.review, department=department, body="검토했습니다.",
                                        decision=Decision.ACCEPT, written_by=admin, status=status)
    Proposal.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())

    assert waiting.review and live_counters(site=agency)["reviews_due"] == 2
    assert live_counters(site=other_agency)["reviews_due"] == 1


def test_open_reports_are_reports_on_visible_comments(agency, other_agency):
    proposal = given_proposal(agency=agency)
    debate = open_pro_con_debate(agency=agency)

    def reported(*, proposal=None, debate=None, reporters=1):
        comment = post_comment(proposal=proposal, debate=debate, author=CitizenFactory(), body="의견입니다")
        for _ in range(reporters):
            report_comment(comment=comment, reporter=CitizenFactory(), reason="욕설")
        return comment

    reported(proposal=proposal, reporters=2)  # two reports on one comment: two
    reported(debate=debate)
    hidden = reported(proposal=proposal)
    deleted = reported(debate=debate)
    post_comment(proposal=proposal, author=CitizenFactory(), body="신고 없는 댓글")
    reported(proposal=given_proposal(agency=other_agency))
    Comment.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    Comment.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())

    assert live_counters(site=agency)["open_reports"] == 3
    assert live_counters(site=other_agency)["open_reports"] == 1


def test_the_city_counts_every_agency(agency, other_agency):
    the_city = city()
    vote(open_pro_con_debate(agency=agency))
    vote(open_pro_con_debate(agency=the_city))
    supported(given_proposal(agency=other_agency))
    given_proposal_in_review(agency=agency)  # its one support crossed the (lowered) threshold
    counters = live_counters(site=the_city)
    assert counters["city_wide"] is True
    assert counters["ballots_per_minute"] == 2
    assert counters["supports_per_minute"] == 2
    assert counters["proposals_today"] == 2
    assert counters["reviews_due"] == 1
    assert live_counters(site=agency)["city_wide"] is False


def test_ids_map_to_their_agencies(agency, other_agency):
    debate = open_pro_con_debate(agency=agency)
    proposal = given_proposal(agency=other_agency)
    assert debate_agencies([debate.pk, 999_999]) == {debate.pk: agency.pk}
    assert proposal_agencies([proposal.pk]) == {proposal.pk: other_agency.pk}


def test_the_page_shows_the_numbers_to_the_sites_admins_and_the_platform_admin(client, agency):
    vote(open_pro_con_debate(agency=agency))
    url = site_reverse(agency, "manage_live_dashboard")
    for user in (agency_admin(agency), platform_admin()):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert 'data-counter="ballots_per_minute">1<' in html
        assert f'data-ws-path="/ws/a/{agency.slug}/dashboard/"' in html
        assert f'href="{url}"' in html  # linked from the back-office navigation
    client.force_login(platform_admin())
    html = client.get(site_reverse(city(), "manage_live_dashboard")).content.decode()
    assert 'data-ws-path="/ws/dashboard/"' in html and "city-wide" in html


def test_the_page_is_not_found_for_a_citizen_and_another_agencys_admin(client, agency):
    url = site_reverse(agency, "manage_live_dashboard")
    for user in (CitizenFactory(), agency_admin(AgencyFactory())):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 404
        assert 'href="{}"'.format(url) not in client.get(site_reverse(agency, "home")).content.decode()
    client.logout()
    assert client.get(url).status_code == 302  # to the login page, like every back-office page
