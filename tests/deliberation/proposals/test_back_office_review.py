"""The review workflow through the back-office pages: the admin assigns, the lead department's
officer answers, the admin sends back or approves; reassignment; bad input; who may do what."""

import pytest

from deliberation.agencies.selectors import city
from deliberation.agencies.services import add_department
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.proposals import admin_services
from deliberation.proposals.admin_selectors import admin_proposals, officer_queue
from deliberation.proposals.models import AnswerStatus, DepartmentAnswer, Reassignment
from deliberation.proposals.selectors import approved_answers
from tests.factories import (
    AgencyFactory, CitizenFactory, agency_admin, given_proposal, given_proposal_in_review, officer,
    platform_admin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def desk(agency):
    """An agency with two departments, an officer in each, an admin and a proposal in review."""
    roads, welfare = add_department(agency=agency, name="도로과"), add_department(agency=agency, name="복지과")
    return {
        "admin": agency_admin(agency), "roads": roads, "welfare": welfare,
        "roads_officer": officer(agency, roads), "welfare_officer": officer(agency, welfare),
        "proposal": given_proposal_in_review(agency=agency, title="보행로 확장"),
    }


def review_url(agency, proposal):
    return site_reverse(agency, "manage_proposal_review", pk=proposal.pk)


def answer_url(agency, proposal):
    return site_reverse(agency, "manage_officer_answer", pk=proposal.pk)


def as_user(client, user):
    client.force_login(user)
    return client


def waiting_answer(proposal) -> DepartmentAnswer:
    return DepartmentAnswer.objects.get(review__proposal=proposal, status=AnswerStatus.SUBMITTED)


def test_the_whole_review_workflow_through_the_pages(client, agency, desk):
    proposal, admin, officer_ = desk["proposal"], desk["admin"], desk["roads_officer"]

    response = as_user(client, admin).post(review_url(agency, proposal),
                                           {"action": "assign", "assign-department": desk["roads"].pk})
    assert response.status_code == 302
    proposal.review.refresh_from_db()
    assert proposal.review.lead_department == desk["roads"]

    queue = as_user(client, officer_).get(site_reverse(agency, "manage_officer_queue")).content.decode()
    assert "보행로 확장" in queue and "No answer yet" in queue
    assert client.get(answer_url(agency, proposal)).status_code == 200
    response = client.post(answer_url(agency, proposal),
                           {"action": "answer", "answer-body": "검토하겠습니다", "answer-decision": "partial"})
    assert response.status_code == 302
    first = waiting_answer(proposal)
    assert (first.decision, first.written_by) == ("partial", officer_)

    page = as_user(client, admin).get(review_url(agency, proposal)).content.decode()
    assert "Answer waiting for approval" in page and "검토하겠습니다" in page
    response = client.post(review_url(agency, proposal),
                           {"action": "return", "return-answer": first.pk, "return-note": "일정을 적어 주세요"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == AnswerStatus.RETURNED and first.return_note == "일정을 적어 주세요"
    assert not approved_answers(proposal=proposal).exists()

    queue = as_user(client, officer_).get(site_reverse(agency, "manage_officer_queue")).content.decode()
    assert "Sent back: answer again" in queue
    assert "일정을 적어 주세요" in client.get(answer_url(agency, proposal)).content.decode()
    client.post(answer_url(agency, proposal),
                {"action": "answer", "answer-body": "내년 3월에 착공합니다", "answer-decision": "accept"})
    second = waiting_answer(proposal)

    as_user(client, admin).post(review_url(agency, proposal), {"action": "approve", "approve-answer": second.pk})
    assert list(approved_answers(proposal=proposal)) == [second]
    assert not officer_queue(user=officer_, site=agency).exists()

    client.post(review_url(agency, proposal),
                {"action": "result", "result-result": "adopted", "result-is_decided": "on"})
    row = admin_proposals(site=agency).get(pk=proposal.pk)
    assert (row.replies, row.latest_decision, row.latest_status) == (1, "accept", "approved")
    assert (row.review.result, row.review.is_decided) == ("adopted", True)
    assert list(AuditEntry.objects.filter(target_id=proposal.pk).order_by("at", "id")
                .values_list("action", flat=True)) == [
        "proposal.review_started", "review.assigned", "answer.submitted", "answer.returned",
        "answer.submitted", "answer.approved", "review.result_set"]


def test_reassignment_request_then_the_admin_reassigns(client, agency, desk):
    proposal, admin = desk["proposal"], desk["admin"]
    admin_services.assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=desk["welfare"].pk)

    as_user(client, desk["welfare_officer"])
    response = client.post(answer_url(agency, proposal),
                           {"action": "reassign", "reassign-reason": "도로 관리는 도로과 소관입니다"})
    assert response.status_code == 302
    proposal.review.refresh_from_db()
    assert proposal.review.reassignment == Reassignment.PENDING
    # While the request is pending the department cannot answer.
    response = client.post(answer_url(agency, proposal),
                           {"action": "answer", "answer-body": "의견", "answer-decision": "accept"})
    assert response.status_code == 400
    assert "A reassignment is pending" in response.content.decode()
    assert not DepartmentAnswer.objects.exists()

    page = as_user(client, admin).get(review_url(agency, proposal)).content.decode()
    assert "도로 관리는 도로과 소관입니다" in page and "Reassign the lead department" in page
    dashboard = client.get(site_reverse(agency, "manage_dashboard")).content.decode()
    assert "도로 관리는 도로과 소관입니다" in dashboard
    client.post(review_url(agency, proposal), {"action": "assign", "assign-department": desk["roads"].pk})
    proposal.review.refresh_from_db()
    assert proposal.review.reassignment == Reassignment.DONE and proposal.review.lead_department == desk["roads"]
    entry = AuditEntry.objects.filter(action="review.assigned").latest("id")
    assert entry.before["reassignment"] == "pending" and entry.after["reassignment"] == "done"
    assert entry.before["lead_department"] == desk["welfare"].pk and entry.after["lead_department"] == desk["roads"].pk

    # The former department has no access any more; the new one answers.
    assert as_user(client, desk["welfare_officer"]).get(answer_url(agency, proposal)).status_code == 404
    as_user(client, desk["roads_officer"]).post(
        answer_url(agency, proposal), {"action": "answer", "answer-body": "수용합니다", "answer-decision": "accept"})
    assert waiting_answer(proposal).department == desk["roads"]


@pytest.mark.parametrize("data,field_error", [
    ({"answer-body": "", "answer-decision": "accept"}, "Write the department&#x27;s opinion."),
    ({"answer-body": "   ", "answer-decision": "accept"}, "Write the department&#x27;s opinion."),
    ({"answer-body": "<script></script>", "answer-decision": "accept"}, "Write the department&#x27;s opinion."),
    ({"answer-body": "의견", "answer-decision": "maybe"}, "Choose accept, partially accept or reject."),
    ({"answer-body": "의견"}, "Choose accept, partially accept or reject."),
    ({"answer-body": "가" * 5001, "answer-decision": "accept"}, "Ensure this value has at most 5000 characters"),
])
def test_a_bad_answer_is_refused_with_a_message(client, agency, desk, data, field_error):
    proposal = desk["proposal"]
    admin_services.assign_lead_department(actor=desk["admin"], review_id=proposal.review.pk,
                                          department_id=desk["roads"].pk)
    response = as_user(client, desk["roads_officer"]).post(answer_url(agency, proposal), {"action": "answer", **data})
    assert response.status_code == 400 and field_error in response.content.decode()
    assert not DepartmentAnswer.objects.exists()


def test_a_reassignment_needs_a_reason(client, agency, desk):
    proposal = desk["proposal"]
    admin_services.assign_lead_department(actor=desk["admin"], review_id=proposal.review.pk,
                                          department_id=desk["roads"].pk)
    response = as_user(client, desk["roads_officer"]).post(answer_url(agency, proposal),
                                                           {"action": "reassign", "reassign-reason": ""})
    assert response.status_code == 400 and "Say why another department should answer." in response.content.decode()
    proposal.review.refresh_from_db()
    assert proposal.review.reassignment == Reassignment.NONE


def test_bad_admin_input_is_refused_and_changes_nothing(client, agency, other_agency, desk):
    proposal, admin = desk["proposal"], desk["admin"]
    foreign = add_department(agency=other_agency, name="남의 부서")
    as_user(client, admin)
    url = review_url(agency, proposal)
    entries = AuditEntry.objects.count()

    response = client.post(url, {"action": "assign", "assign-department": foreign.pk})
    assert response.status_code == 400 and "Choose one of this agency&#x27;s departments." in response.content.decode()
    response = client.post(url, {"action": "assign", "assign-department": "x"})
    assert response.status_code == 400
    response = client.post(url, {"action": "result", "result-result": "great"})
    assert response.status_code == 400 and "Choose a review result." in response.content.decode()
    response = client.post(url, {"action": "launch"}, follow=True)
    assert "This action is not available for this proposal." in response.content.decode()
    proposal.review.refresh_from_db()
    assert proposal.review.lead_department is None and proposal.review.result == ""

    admin_services.assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=desk["roads"].pk)
    answer = admin_services.submit_answer(actor=desk["roads_officer"], review_id=proposal.review.pk, body="의견",
                                          decision="reject")
    entries = AuditEntry.objects.count()
    response = client.post(url, {"action": "return", "return-answer": answer.pk, "return-note": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    admin_services.approve_answer(actor=admin, answer_id=answer.pk)
    entries = AuditEntry.objects.count()
    response = client.post(url, {"action": "return", "return-answer": answer.pk, "return-note": "다시"})
    assert response.status_code == 400
    assert "Only an answer waiting for approval can be sent back." in response.content.decode()
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.APPROVED and AuditEntry.objects.count() == entries


def test_a_proposal_not_in_review_shows_no_review_actions(client, agency, desk):
    plain = given_proposal(agency=agency, title="아직 검토 전")
    as_user(client, desk["admin"])
    page = client.get(review_url(agency, plain)).content.decode()
    assert "it is not under review" in page and 'name="action"' not in page
    response = client.post(review_url(agency, plain), {"action": "assign", "assign-department": desk["roads"].pk},
                           follow=True)
    assert "This action is not available for this proposal." in response.content.decode()
    assert client.get(answer_url(agency, plain)).status_code == 404


# --- who may see and do what ----------------------------------------------------------------
ADMIN_PAGES = ["manage_proposals", "manage_proposals_export", "manage_dashboard", "manage_audit_log",
               "manage_proposal_offline"]


@pytest.mark.parametrize("who", ["citizen", "officer", "other_agency_admin", "city_admin"])
def test_back_office_pages_are_not_found_for_everyone_but_the_agencys_admins(client, agency, desk, who):
    user = {
        "citizen": lambda: CitizenFactory(),
        "officer": lambda: desk["roads_officer"],
        "other_agency_admin": lambda: agency_admin(AgencyFactory()),
        "city_admin": lambda: agency_admin(city()),
    }[who]()
    proposal = desk["proposal"]
    as_user(client, user)
    for name in ADMIN_PAGES:
        assert client.get(site_reverse(agency, name)).status_code == 404, name
    assert client.get(review_url(agency, proposal)).status_code == 404
    assert client.post(review_url(agency, proposal),
                       {"action": "assign", "assign-department": desk["roads"].pk}).status_code == 404
    assert client.post(site_reverse(agency, "manage_proposal_offline"),
                       {"title": "t", "body": "b", "policy_category": "other", "offline_author_name": "n",
                        "offline_source": "s"}).status_code == 404
    proposal.review.refresh_from_db()
    assert proposal.review.lead_department is None
    assert not AuditEntry.objects.exclude(action="proposal.review_started").exists()


def test_anonymous_visitors_are_sent_to_log_in(client, agency, desk):
    for name in ADMIN_PAGES + ["manage_officer_queue"]:
        response = client.get(site_reverse(agency, name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_officer_pages_are_for_this_agencys_officers_and_admins(client, agency, desk):
    proposal = desk["proposal"]
    admin_services.assign_lead_department(actor=desk["admin"], review_id=proposal.review.pk,
                                          department_id=desk["roads"].pk)
    queue_url = site_reverse(agency, "manage_officer_queue")
    for user in (CitizenFactory(), agency_admin(AgencyFactory())):
        assert as_user(client, user).get(queue_url).status_code == 404
        assert client.get(answer_url(agency, proposal)).status_code == 404

    # An officer of another department sees the queue of their own department only and is
    # refused the answer page and its posts.
    as_user(client, desk["welfare_officer"])
    assert "보행로 확장" not in client.get(queue_url).content.decode()
    assert client.get(answer_url(agency, proposal)).status_code == 404
    for data in ({"action": "answer", "answer-body": "의견", "answer-decision": "accept"},
                 {"action": "reassign", "reassign-reason": "이유"}):
        assert client.post(answer_url(agency, proposal), data).status_code == 404
    proposal.review.refresh_from_db()
    assert not DepartmentAnswer.objects.exists() and proposal.review.reassignment == ""

    # An officer of another agency's department, on this agency's site.
    other = AgencyFactory()
    stranger = officer(other, add_department(agency=other, name="도로과"))
    assert as_user(client, stranger).get(queue_url).status_code == 404

    # The agency admin may follow every department's queue and read the answer page, but the
    # answer is the department's to write.
    as_user(client, desk["admin"])
    assert "보행로 확장" in client.get(queue_url).content.decode()
    page = client.get(answer_url(agency, proposal)).content.decode()
    assert "Only officers of the lead department write its answer." in page
    response = client.post(answer_url(agency, proposal),
                           {"action": "answer", "answer-body": "의견", "answer-decision": "accept"})
    assert response.status_code == 400 and not DepartmentAnswer.objects.exists()


def test_a_city_admin_reads_a_partner_agencys_review_but_cannot_change_it(client, agency, desk):
    seoul, proposal = city(), desk["proposal"]
    as_user(client, agency_admin(seoul))
    url = review_url(seoul, proposal)
    page = client.get(url).content.decode()
    assert "보행로 확장" in page and "its admins decide on it" in page and 'name="action"' not in page
    response = client.post(url, {"action": "assign", "assign-department": desk["roads"].pk})
    assert response.status_code == 400 and "You do not have permission to do this." in response.content.decode()
    proposal.review.refresh_from_db()
    assert proposal.review.lead_department is None

    # The platform admin may.
    as_user(client, platform_admin())
    assert client.post(url, {"action": "assign", "assign-department": desk["roads"].pk}).status_code == 302
    proposal.review.refresh_from_db()
    assert proposal.review.lead_department == desk["roads"]
