"""The admin proposal list: tabs with counts, filters, cross-listing, a fixed query count, and
bulk actions with their audit entries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliberation.agencies.selectors import city
from deliberation.agencies.services import add_department
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.proposals import admin_services
from deliberation.proposals.admin_selectors import AdminFilters, admin_proposals, tab_counts
from deliberation.proposals.models import Proposal, Review
from tests.factories import (
    AgencyFactory, CitizenFactory, agency_admin, given_proposal, given_proposal_in_review, officer,
    platform_admin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Every factory user hashes a password; the real hasher costs ~0.1 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def titles(qs) -> set[str]:
    return {p.title for p in qs}


def tab_count_in_page(html: str, tab: str) -> int:
    match = re.search(rf'href="\?(?:[^"]*&amp;)?tab={tab}(?:&amp;[^"]*)?"[^>]*>[^<]*<span class="bo-count">(\d+)</span>', html)
    assert match, f"no {tab} tab in the page"
    return int(match.group(1))


@pytest.fixture
def states(agency):
    """One proposal in each state an admin sees."""
    admin = agency_admin(agency)
    made = {
        "open": given_proposal(agency=agency, title="열린 제안"),
        "private": given_proposal(agency=agency, title="비공개 제안"),
        "failed": given_proposal(agency=agency, title="탈락 제안", now=timezone.now() - timedelta(days=40)),
        "trashed": given_proposal(agency=agency, title="버린 제안"),
    }
    made["review"] = given_proposal_in_review(agency=agency, title="검토 중 제안")
    admin_services.apply_bulk_action(actor=admin, proposal_ids=[made["private"].pk], action="make_private")
    admin_services.apply_bulk_action(actor=admin, proposal_ids=[made["trashed"].pk], action="trash")
    return admin, made


def test_tabs_split_the_states_and_count_them(client, agency, states):
    admin, made = states
    assert tab_counts(site=agency) == {"all": 4, "public": 3, "private": 1, "failed": 1, "trash": 1}
    assert titles(admin_proposals(site=agency, filters=AdminFilters(tab="failed"))) == {"탈락 제안"}
    assert titles(admin_proposals(site=agency, filters=AdminFilters(tab="trash"))) == {"버린 제안"}
    assert "버린 제안" not in titles(admin_proposals(site=agency))

    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_proposals")).content.decode()
    assert [tab_count_in_page(html, t) for t in ("all", "public", "private", "failed", "trash")] == [4, 3, 1, 1, 1]
    assert 'href="?tab=all" aria-current="page"' in html
    trash = client.get(site_reverse(agency, "manage_proposals"), {"tab": "trash"}).content.decode()
    assert "버린 제안" in trash and "열린 제안" not in trash
    assert 'href="?tab=trash" aria-current="page"' in trash


@pytest.fixture
def reviewed(agency):
    """Proposals at each step of the review, with two departments and their officers."""
    admin = agency_admin(agency)
    roads, welfare = add_department(agency=agency, name="도로과"), add_department(agency=agency, name="복지과")
    roads_officer, welfare_officer = officer(agency, roads), officer(agency, welfare)
    old = given_proposal(agency=agency, title="오래된 복지 제안", policy_category="welfare",
                         now=timezone.now() - timedelta(days=10))
    plain = given_proposal(agency=agency, title="새 교통 제안", policy_category="transport", body="버스 노선")
    approved = given_proposal_in_review(agency=agency, title="승인된 제안")
    returned = given_proposal_in_review(agency=agency, title="반려된 제안")
    unassigned = given_proposal_in_review(agency=agency, title="담당 없는 제안")

    admin_services.assign_lead_department(actor=admin, review_id=approved.review.pk, department_id=roads.pk)
    answer = admin_services.submit_answer(actor=roads_officer, review_id=approved.review.pk, body="수용합니다",
                                          decision="accept")
    admin_services.approve_answer(actor=admin, answer_id=answer.pk)
    admin_services.set_review_result(actor=admin, review_id=approved.review.pk, result="adopted", is_decided=True)

    admin_services.assign_lead_department(actor=admin, review_id=returned.review.pk, department_id=welfare.pk)
    answer = admin_services.submit_answer(actor=welfare_officer, review_id=returned.review.pk, body="어렵습니다",
                                          decision="reject")
    admin_services.return_answer(actor=admin, answer_id=answer.pk, note="근거를 보완해 주세요")
    admin_services.request_reassignment(actor=welfare_officer, review_id=returned.review.pk, reason="도로과 소관")

    Review.objects.filter(pk=unassigned.review.pk).update(
        started_at=timezone.now() - timedelta(days=30), deadline=timezone.now() - timedelta(days=10))
    Proposal.objects.filter(pk=unassigned.pk).update(review_started_at=timezone.now() - timedelta(days=30))
    return admin, {"roads": roads, "welfare": welfare, "old": old, "plain": plain, "approved": approved,
                   "returned": returned, "unassigned": unassigned}


@pytest.mark.parametrize("filters,expected", [
    ({"department": "roads"}, {"승인된 제안"}),
    ({"department": "none"}, {"담당 없는 제안"}),
    ({"decision": "accept"}, {"승인된 제안"}),
    ({"decision": "reject"}, {"반려된 제안"}),
    ({"decision": "none"}, {"담당 없는 제안"}),
    ({"approval": "approved"}, {"승인된 제안"}),
    ({"approval": "returned"}, {"반려된 제안"}),
    ({"reassignment": "pending"}, {"반려된 제안"}),
    ({"reassignment": "none"}, {"승인된 제안", "담당 없는 제안"}),
    ({"result": "adopted"}, {"승인된 제안"}),
    ({"result": "none"}, {"반려된 제안", "담당 없는 제안"}),
    ({"category": "welfare"}, {"오래된 복지 제안"}),
    ({"q": "버스"}, {"새 교통 제안"}),
    ({"q": "반려된"}, {"반려된 제안"}),
    ({"overdue": True}, {"담당 없는 제안"}),
])
def test_each_filter_narrows_the_list(agency, reviewed, filters, expected):
    _admin, made = reviewed
    if filters.get("department") in ("roads", "welfare"):
        filters = {**filters, "department": str(made[filters["department"]].pk)}
    assert titles(admin_proposals(site=agency, filters=AdminFilters(**filters))) == expected


def test_date_ranges_filter_on_local_days(client, agency, reviewed):
    admin, made = reviewed
    today = timezone.localdate()
    client.force_login(admin)
    url = site_reverse(agency, "manage_proposals")
    html = client.get(url, {"created_to": (today - timedelta(days=5)).isoformat()}).content.decode()
    assert "오래된 복지 제안" in html and "새 교통 제안" not in html
    html = client.get(url, {"review_from": (today - timedelta(days=31)).isoformat(),
                            "review_to": (today - timedelta(days=29)).isoformat()}).content.decode()
    assert "담당 없는 제안" in html and "승인된 제안" not in html
    assert tab_count_in_page(html, "all") == 1


def test_a_bad_filter_value_is_reported_and_ignored(client, agency, reviewed):
    admin, _made = reviewed
    client.force_login(admin)
    response = client.get(site_reverse(agency, "manage_proposals"), {
        "created_from": "not-a-date", "decision": "maybe", "created_to": "2020-01-01", "review_from": "2021-01-02",
        "review_to": "2021-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid date." in html and "Select a valid choice." in html
    assert "The end date is before the start date." in html


def test_rows_show_the_review_columns(client, agency, reviewed):
    admin, made = reviewed
    row = admin_proposals(site=agency).get(pk=made["approved"].pk)
    assert (row.replies, row.latest_decision, row.latest_status, row.is_overdue) == (1, "accept", "approved", False)
    assert row.review.lead_department.name == "도로과" and row.review.is_decided
    overdue = admin_proposals(site=agency).get(pk=made["unassigned"].pk)
    assert overdue.is_overdue and overdue.replies == 0 and overdue.latest_status is None

    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_proposals")).content.decode()
    overdue_row = re.search(r'<tr class="bo-overdue">.*?</tr>', html, re.S).group(0)
    assert "담당 없는 제안" in overdue_row and '<strong class="bo-flag">Overdue</strong>' in overdue_row
    approved_row = re.search(r"<tr>(?:(?!</tr>).)*승인된 제안.*?</tr>", html, re.S).group(0)
    for text in ("도로과", "accept", "approved", "adopted"):
        assert f"<td>{text}</td>" in approved_row


def test_an_agency_admin_never_sees_another_agencys_proposals(client, agency, other_agency):
    mine = given_proposal(agency=agency, title="우리 기관 제안")
    given_proposal(agency=other_agency, title="다른 기관 제안")
    given_proposal(title="서울시 제안")
    admin = agency_admin(agency)
    assert titles(admin_proposals(site=agency)) == {"우리 기관 제안"}

    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_proposals"), {"agency": other_agency.slug}).content.decode()
    assert "우리 기관 제안" in html and "다른 기관 제안" not in html and "서울시 제안" not in html
    assert 'name="agency"' not in html  # the agency filter is the city's only
    assert client.get(site_reverse(other_agency, "manage_proposals")).status_code == 404
    assert client.get(site_reverse(city(), "manage_proposals")).status_code == 404
    assert client.get(site_reverse(other_agency, "manage_proposal_review", pk=mine.pk)).status_code == 404


def test_the_city_list_is_the_archive_of_every_agency_with_an_agency_filter(client, agency, other_agency):
    given_proposal(agency=agency, title="A 기관 제안")
    given_proposal(agency=other_agency, title="B 기관 제안")
    given_proposal(title="서울시 제안")
    client.force_login(agency_admin(city()))
    url = site_reverse(city(), "manage_proposals")
    html = client.get(url).content.decode()
    assert all(t in html for t in ("A 기관 제안", "B 기관 제안", "서울시 제안"))
    assert f"<td>{agency.name}</td>" in html  # the agency column
    html = client.get(url, {"agency": agency.slug}).content.decode()
    assert "A 기관 제안" in html and "B 기관 제안" not in html and "서울시 제안" not in html


def test_the_list_costs_the_same_queries_for_3_or_12_rows(client, agency):
    admin = agency_admin(agency)
    department = add_department(agency=agency, name="도로과")
    answerer = officer(agency, department)

    def add(n):
        for _ in range(n):
            proposal = given_proposal_in_review(agency=agency)
            admin_services.assign_lead_department(actor=admin, review_id=proposal.review.pk,
                                                  department_id=department.pk)
            admin_services.submit_answer(actor=answerer, review_id=proposal.review.pk, body="의견", decision="partial")

    client.force_login(admin)
    url = site_reverse(agency, "manage_proposals")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(3)
    few = queries()
    add(9)
    assert queries() == few
    assert few <= 12


def test_the_list_pages_by_50(client, agency):
    for i in range(51):
        given_proposal(agency=agency, title=f"제안 {i:02d}")
    client.force_login(agency_admin(agency))
    url = site_reverse(agency, "manage_proposals")
    first = client.get(url).content.decode()
    assert first.count('name="proposals"') == 50 and "제안 50" in first and "제안 00" not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('name="proposals"') == 1 and "제안 00" in second
    assert 'href="?page=1" rel="prev"' in second


# --- bulk actions ---------------------------------------------------------------------------
def bulk(client, site, action, proposals, query=""):
    return client.post(site_reverse(site, "manage_proposal_bulk"), {
        "action": action, "proposals": [p.pk for p in proposals], "return_query": query}, follow=True)


def test_bulk_trash_and_restore_leave_audit_entries_with_before_and_after(client, agency):
    admin = agency_admin(agency)
    one, two = given_proposal(agency=agency, title="하나"), given_proposal(agency=agency, title="둘")
    client.force_login(admin)
    response = bulk(client, agency, "trash", [one, two], query="tab=all&q=")
    assert response.redirect_chain[-1][0] == site_reverse(agency, "manage_proposals") + "?tab=all&q="
    assert "Proposals changed: 2." in response.content.decode()
    assert tab_counts(site=agency)["trash"] == 2
    entries = AuditEntry.objects.filter(agency=agency, action="proposal.trash").order_by("target_id")
    assert [e.target_id for e in entries] == [one.pk, two.pk]
    assert all(e.actor == admin and e.before["trashed_at"] is None and e.after["trashed_at"] for e in entries)

    bulk(client, agency, "restore", [one])
    restored = AuditEntry.objects.get(action="proposal.restore")
    assert restored.before["trashed_at"] and restored.after["trashed_at"] is None

    bulk(client, agency, "mark_good", [two])
    two.refresh_from_db()
    assert two.is_good and AuditEntry.objects.get(action="proposal.mark_good").after["is_good"] is True


def test_a_city_admin_changes_the_citys_proposals_but_not_a_partner_agencys(client, agency):
    seoul = city()
    ours, theirs = given_proposal(title="서울시 제안"), given_proposal(agency=agency, title="기관 제안")
    client.force_login(agency_admin(seoul))
    html = bulk(client, seoul, "make_private", [ours, theirs]).content.decode()
    assert "Proposals changed: 1." in html and "Proposals not changed: 1." in html
    ours.refresh_from_db(), theirs.refresh_from_db()
    assert not ours.is_public and theirs.is_public
    assert not AuditEntry.objects.filter(target_id=theirs.pk, action="proposal.make_private").exists()

    client.force_login(platform_admin())
    assert "Proposals changed: 1." in bulk(client, seoul, "make_private", [ours, theirs]).content.decode()
    theirs.refresh_from_db()
    assert not theirs.is_public


@pytest.mark.parametrize("action,pick,message", [
    ("delete_everything", True, "Choose one of the listed actions."),
    ("", True, "This field is required."),
    ("trash", False, "Select at least one proposal."),
    ("trash", "other", "A selected proposal is not in this list."),
])
def test_bad_bulk_input_is_refused_and_changes_nothing(client, agency, other_agency, action, pick, message):
    mine, theirs = given_proposal(agency=agency), given_proposal(agency=other_agency)
    client.force_login(agency_admin(agency))
    chosen = {True: [mine], False: [], "other": [mine, theirs]}[pick]
    before = AuditEntry.objects.count()
    response = bulk(client, agency, action, chosen)
    assert response.status_code == 200 and message in response.content.decode()
    assert Proposal.objects.filter(trashed_at__isnull=False).count() == 0
    assert AuditEntry.objects.count() == before


def test_a_citizen_posting_a_bulk_action_gets_404_and_nothing_changes(client, agency):
    proposal = given_proposal(agency=agency)
    client.force_login(CitizenFactory())
    assert bulk(client, agency, "trash", [proposal]).status_code == 404
    client.force_login(agency_admin(AgencyFactory()))
    assert bulk(client, agency, "trash", [proposal]).status_code == 404
    proposal.refresh_from_db()
    assert proposal.trashed_at is None
