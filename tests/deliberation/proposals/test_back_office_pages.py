"""The dashboard (알림판), the audit log, offline entry and the officers' queue."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliberation.agencies.models import Agency
from deliberation.agencies.selectors import city
from deliberation.agencies.services import add_department
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.proposals import admin_services
from deliberation.proposals.admin_selectors import admin_proposals, dashboard, officer_queue
from deliberation.proposals.models import Proposal, Review
from deliberation.proposals.services import support
from tests.factories import CitizenFactory, agency_admin, given_proposal, given_proposal_in_review, officer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def set_deadline(proposal, days_from_now):
    Review.objects.filter(proposal=proposal).update(deadline=timezone.now() + timedelta(days=days_from_now))


def test_the_dashboard_lists_what_needs_the_admin_next(client, agency, other_agency):
    admin = agency_admin(agency)
    roads = add_department(agency=agency, name="도로과")
    answerer = officer(agency, roads)
    late = given_proposal_in_review(agency=agency, title="기한 지난 제안")
    soon = given_proposal_in_review(agency=agency, title="곧 마감 제안")
    done = given_proposal_in_review(agency=agency, title="답변 승인된 제안")
    set_deadline(late, -2), set_deadline(soon, 3), set_deadline(done, -5)
    for proposal in (soon, done):
        admin_services.assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=roads.pk)
        admin_services.submit_answer(actor=answerer, review_id=proposal.review.pk, body="의견", decision="accept")
    admin_services.approve_answer(actor=admin, answer_id=done.review.answers.get().pk)
    admin_services.assign_lead_department(actor=admin, review_id=late.review.pk, department_id=roads.pk)
    admin_services.request_reassignment(actor=answerer, review_id=late.review.pk, reason="환경과 소관")
    # A proposal crossing the debate threshold gets a draft debate.
    Agency.objects.filter(pk=agency.pk).update(answer_threshold=1, debate_threshold=2)
    best = given_proposal(agency=agency, title="500 BEST 제안")
    for _ in range(2):
        support(proposal_id=best.pk, citizen=CitizenFactory())
    given_proposal_in_review(agency=other_agency, title="다른 기관 검토")

    board = dashboard(site=agency)
    assert [r.proposal.title for r in board.reviews_due] == ["기한 지난 제안", "곧 마감 제안", "500 BEST 제안"]
    assert [r.is_overdue for r in board.reviews_due] == [True, False, False]
    assert (board.reviews_due_count, board.overdue_count) == (3, 1)
    assert [a.review.proposal.title for a in board.answers_waiting] == ["곧 마감 제안"]
    assert [r.reassignment_reason for r in board.reassignments_pending] == ["환경과 소관"]
    assert [p.title for p in board.draft_debates] == ["500 BEST 제안"]

    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_dashboard")).content.decode()
    late_item = re.search(r'<li class="bo-overdue">.*?</li>', html, re.S).group(0)
    assert "기한 지난 제안" in late_item and '<strong class="bo-flag">Overdue</strong>' in late_item
    assert "환경과 소관" in html and "500 BEST 제안" in html and "다른 기관 검토" not in html
    best.refresh_from_db()
    assert site_reverse(agency, "manage_debate_publish", pk=best.debate_id) in html
    # The city's dashboard is the city's own to-do list.
    assert not dashboard(site=city()).reviews_due


def test_the_audit_log_shows_who_what_when_before_and_after_and_pages(client, agency, other_agency):
    admin = agency_admin(agency)
    proposals = [given_proposal(agency=agency, title=f"제안 {i}") for i in range(51)]
    admin_services.apply_bulk_action(actor=admin, proposal_ids=[p.pk for p in proposals], action="make_private")
    given_proposal(agency=other_agency, title="남의 제안")
    admin_services.apply_bulk_action(actor=agency_admin(other_agency),
                                     proposal_ids=list(Proposal.objects.filter(agency=other_agency)
                                                       .values_list("pk", flat=True)), action="trash")
    client.force_login(admin)
    url = site_reverse(agency, "manage_audit_log")
    first = client.get(url).content.decode()
    assert first.count("<th scope=\"row\">Made private</th>") == 50
    assert str(admin) in first and "Public: yes → no" in first
    assert "남의 제안" not in first and "Moved to the trash" not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("<th scope=\"row\">Made private</th>") == 1


def test_the_audit_log_names_departments_and_choices(client, agency):
    admin = agency_admin(agency)
    roads = add_department(agency=agency, name="도로과")
    proposal = given_proposal_in_review(agency=agency)
    admin_services.assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=roads.pk)
    admin_services.set_review_result(actor=admin, review_id=proposal.review.pk, result="adopted", is_decided=True)
    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_audit_log")).content.decode()
    assert "Lead department: — → 도로과" in html
    assert "Review result: — → adopted" in html and "Decided proposal: no → yes" in html
    assert "Review started (answer threshold reached)" in html and "the system" in html


def test_an_admin_enters_an_offline_proposal(client, agency):
    admin = agency_admin(agency)
    client.force_login(admin)
    response = client.post(site_reverse(agency, "manage_proposal_offline"), {
        "title": "경로당 앞 횡단보도", "body": "신호가 너무 짧습니다.", "policy_category": "transport",
        "district": "mapo", "themes": "#보행안전 #어르신", "offline_author_name": "김영희",
        "offline_source": "망원동 주민센터 제안함"})
    proposal = Proposal.objects.get(title="경로당 앞 횡단보도")
    assert response.status_code == 302 and response["Location"] == site_reverse(
        agency, "manage_proposal_review", pk=proposal.pk)
    assert proposal.is_offline and proposal.agency == agency and proposal.author == admin
    assert (proposal.author_label, proposal.offline_source, proposal.district) == ("김영희", "망원동 주민센터 제안함", "mapo")
    assert sorted(t.name for t in proposal.themes.all()) == ["보행안전", "어르신"]
    entry = AuditEntry.objects.get(action="proposal.offline_filed")
    assert entry.actor == admin and entry.after["offline_source"] == "망원동 주민센터 제안함"
    html = client.get(site_reverse(agency, "manage_proposals")).content.decode()
    row = re.search(r"<tr>(?:(?!</tr>).)*경로당 앞 횡단보도.*?</tr>", html, re.S).group(0)
    assert "<td>김영희</td>" in row and "<td>yes</td>" in row


@pytest.mark.parametrize("change,message", [
    ({"offline_source": ""}, "This field is required."),
    ({"offline_author_name": ""}, "This field is required."),
    ({"policy_category": "space"}, "Choose one of the policy categories."),
    ({"themes": "#너무 #많은 #주제 #여섯 #개 #입니다"}, "Use at most 5 themes."),
    ({"body": "<b></b>"}, "This field cannot be blank."),
])
def test_bad_offline_input_is_refused_and_nothing_is_filed(client, agency, change, message):
    client.force_login(agency_admin(agency))
    data = {"title": "제목", "body": "본문", "policy_category": "other", "offline_author_name": "익명",
            "offline_source": "워크숍", **change}
    response = client.post(site_reverse(agency, "manage_proposal_offline"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Proposal.objects.exists()


def test_the_officer_queue_is_earliest_deadline_first_and_only_what_needs_an_answer(agency):
    admin = agency_admin(agency)
    roads, welfare = add_department(agency=agency, name="도로과"), add_department(agency=agency, name="복지과")
    roads_officer = officer(agency, roads)
    later, sooner, waiting, returned, elsewhere = (given_proposal_in_review(agency=agency, title=t)
                                                   for t in ("나중", "먼저", "대기", "반려", "복지"))
    for proposal, department in ((later, roads), (sooner, roads), (waiting, roads), (returned, roads),
                                 (elsewhere, welfare)):
        admin_services.assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=department.pk)
    set_deadline(later, 10), set_deadline(sooner, -1), set_deadline(returned, 5)
    admin_services.submit_answer(actor=roads_officer, review_id=waiting.review.pk, body="의견", decision="accept")
    sent_back = admin_services.submit_answer(actor=roads_officer, review_id=returned.review.pk, body="의견",
                                             decision="reject")
    admin_services.return_answer(actor=admin, answer_id=sent_back.pk, note="보완")

    queue = list(officer_queue(user=roads_officer, site=agency))
    assert [r.proposal.title for r in queue] == ["먼저", "반려", "나중"]
    assert [(r.is_overdue, r.latest_status) for r in queue] == [(True, None), (False, "returned"), (False, None)]
    assert {r.proposal.title for r in officer_queue(user=admin, site=agency)} == {"먼저", "반려", "나중", "복지"}
    assert not officer_queue(user=CitizenFactory(), site=agency).exists()
    # Another agency's site: this officer has no department there.
    assert not officer_queue(user=roads_officer, site=city()).exists()


def test_the_officer_queue_page_costs_the_same_queries_for_more_rows(client, agency):
    admin = agency_admin(agency)
    roads = add_department(agency=agency, name="도로과")
    roads_officer = officer(agency, roads)

    def add(n):
        for _ in range(n):
            proposal = given_proposal_in_review(agency=agency)
            admin_services.assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=roads.pk)

    client.force_login(roads_officer)
    url = site_reverse(agency, "manage_officer_queue")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = queries()
    add(6)
    assert queries() == few


def test_the_proposals_admin_link_shows_for_admins_only(client, agency):
    link = f'href="{site_reverse(agency, "manage_dashboard")}"'
    client.force_login(CitizenFactory())
    assert link not in client.get(site_reverse(agency, "home")).content.decode()
    client.force_login(agency_admin(agency))
    assert link in client.get(site_reverse(agency, "home")).content.decode()


def test_dashboard_rows_respect_the_trash(agency):
    admin = agency_admin(agency)
    proposal = given_proposal_in_review(agency=agency)
    admin_services.apply_bulk_action(actor=admin, proposal_ids=[proposal.pk], action="trash")
    assert not dashboard(site=agency).reviews_due
    assert admin_proposals(site=agency).count() == 0
