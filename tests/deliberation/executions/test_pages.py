"""The pages: the public board and item page per site, following, the back office (isolation
between agencies, officers limited to their department, bulk visibility, Excel export), and
the links from the proposal and debate pages."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from deliberation.agencies.selectors import city
from deliberation.agencies.services import add_department
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.executions import services
from deliberation.executions.models import ExecutionItem
from deliberation.proposals.models import Support
from tests.factories import CitizenFactory, agency_admin, officer

from .helpers import adopted_proposal, closed_debate, item_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def board_ids(client, site, **query):
    html = client.get(site_reverse(site, "execution_list"), query).content.decode()
    return sorted(int(pk) for pk in re.findall(r'data-execution="(\d+)"', html))


def supporter_of(item):
    return Support.objects.filter(proposal=item.proposal).first().citizen


# --- the public board ------------------------------------------------------------------------------
def test_each_board_lists_its_own_public_items_and_the_city_lists_every_agencys(client, agency, other_agency):
    a = item_for(agency, title="A의 항목")
    a_hidden = item_for(agency, title="A의 숨김", is_public=False)
    b = item_for(other_agency, title="B의 항목")
    assert board_ids(client, agency) == [a.pk]
    assert board_ids(client, other_agency) == [b.pk]
    assert board_ids(client, city()) == sorted([a.pk, b.pk])
    assert board_ids(client, city(), agency=other_agency.slug) == [b.pk]
    assert client.get(site_reverse(agency, "execution_detail", pk=a_hidden.pk)).status_code == 404
    assert client.get(site_reverse(agency, "execution_detail", pk=b.pk)).status_code == 404
    assert client.get(site_reverse(city(), "execution_detail", pk=b.pk)).status_code == 200
    assert "A의 숨김" not in client.get(site_reverse(city(), "execution_list")).content.decode()


def test_the_status_filter(client, agency):
    admin = agency_admin(agency)
    planned = item_for(agency, admin=admin)
    moving = item_for(agency, admin=admin, title="추진")
    services.post_update(actor=admin, item_id=moving.pk, body="착공", status="in_progress")
    assert board_ids(client, agency, status="in_progress") == [moving.pk]
    assert board_ids(client, agency, status="planned") == [planned.pk]
    assert board_ids(client, agency, status="nonsense") == sorted([planned.pk, moving.pk])


def test_the_item_page_shows_the_timeline_materials_and_links_back(client, agency):
    admin = agency_admin(agency)
    item = item_for(agency, admin=admin)
    services.post_update(actor=admin, item_id=item.pk, body="<b>착공</b> 했습니다", status="in_progress")
    services.add_material(actor=admin, item_id=item.pk, kind="notes", title="1차 회의록", body="참석 5명")
    html = client.get(site_reverse(agency, "execution_detail", pk=item.pk)).content.decode()
    assert html.count("data-timeline-entry") == 2
    assert "착공 했습니다" in html and "<b>" not in html and "1차 회의록" in html
    assert f'href="{site_reverse(agency, "proposal_detail", pk=item.proposal_id)}" data-source-link' in html


# --- following -------------------------------------------------------------------------------------
def test_a_supporter_follows_from_the_page_and_sees_the_latest_update_a_stranger_is_told_why_not(client, agency):
    admin = agency_admin(agency)
    item = item_for(agency, admin=admin)
    services.post_update(actor=admin, item_id=item.pk, body="주민 설명회를 열었습니다")
    supporter = supporter_of(item)
    follow_url = site_reverse(agency, "execution_follow", pk=item.pk)

    stranger = CitizenFactory()
    client.force_login(stranger)
    page = client.post(follow_url, follow=True).content.decode()
    assert "Only citizens who supported the proposal" in page
    assert item.follows.count() == 0

    client.force_login(supporter)
    client.post(follow_url)
    client.post(follow_url)  # a second click changes nothing
    assert list(item.follows.values_list("citizen", flat=True)) == [supporter.pk]
    html = client.get(site_reverse(agency, "execution_following")).content.decode()
    assert f'data-followed="{item.pk}"' in html and "주민 설명회를 열었습니다" in html
    city_html = client.get(site_reverse(city(), "execution_following")).content.decode()
    assert f'data-followed="{item.pk}"' in city_html
    client.post(follow_url, {"unfollow": "1"})
    assert item.follows.count() == 0


def test_following_needs_a_login(client, agency):
    item = item_for(agency)
    response = client.post(site_reverse(agency, "execution_follow", pk=item.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(site_reverse(agency, "execution_following")).status_code == 302


# --- links from the sources ------------------------------------------------------------------------
def test_proposal_and_debate_pages_link_to_their_public_item(client, agency):
    admin = agency_admin(agency)
    item = item_for(agency, admin=admin)
    proposal_url = site_reverse(agency, "proposal_detail", pk=item.proposal_id)
    item_url = site_reverse(agency, "execution_detail", pk=item.pk)
    assert f'href="{item_url}" data-execution-link' in client.get(proposal_url).content.decode()
    services.apply_visibility(actor=admin, agency=agency, item_ids=[item.pk], action="make_hidden")
    assert "data-execution-link" not in client.get(proposal_url).content.decode()

    debate = closed_debate(agency, admin=admin)
    department = add_department(agency=agency, name="체육시설팀")
    debate_item = services.create_item(actor=admin, debate_id=debate.pk, department_id=department.pk, title="금지")
    html = client.get(site_reverse(agency, "debate_detail", pk=debate.pk)).content.decode()
    assert f'href="{site_reverse(agency, "execution_detail", pk=debate_item.pk)}" data-execution-link' in html


# --- back office ---------------------------------------------------------------------------------
def test_another_agencys_admin_gets_404_everywhere(client, agency, other_agency):
    item = item_for(agency)
    client.force_login(agency_admin(other_agency))
    assert client.get(site_reverse(other_agency, "manage_execution", pk=item.pk)).status_code == 404
    assert client.get(site_reverse(agency, "manage_execution", pk=item.pk)).status_code == 404
    assert client.get(site_reverse(agency, "manage_executions")).status_code == 404
    assert client.get(site_reverse(agency, "manage_executions_export")).status_code == 404
    response = client.post(site_reverse(other_agency, "manage_execution", pk=item.pk),
                           {"action": "update", "update-happened_on": timezone.localdate().isoformat(),
                            "update-body": "침입"})
    assert response.status_code == 404
    client.post(site_reverse(other_agency, "manage_execution_bulk"), {"action": "make_hidden", "items": [item.pk]})
    assert f'data-row="{item.pk}"' not in client.get(site_reverse(other_agency, "manage_executions")).content.decode()
    item.refresh_from_db()
    assert item.is_public and item.updates.count() == 1


def test_an_officer_sees_and_updates_only_their_departments_items(client, agency):
    admin = agency_admin(agency)
    own_item = item_for(agency, admin=admin, title="우리 부서")
    other_item = item_for(agency, admin=admin, title="다른 부서")
    client.force_login(officer(agency, own_item.department))
    html = client.get(site_reverse(agency, "manage_executions")).content.decode()
    assert re.findall(r'data-row="(\d+)"', html) == [str(own_item.pk)]
    assert 'name="items"' not in html  # no bulk actions
    assert client.get(site_reverse(agency, "manage_execution", pk=other_item.pk)).status_code == 404
    assert client.get(site_reverse(agency, "manage_execution_create")).status_code == 404
    assert client.get(site_reverse(agency, "manage_executions_export")).status_code == 404
    today = timezone.localdate().isoformat()
    response = client.post(site_reverse(agency, "manage_execution", pk=own_item.pk), {
        "action": "update", "update-happened_on": today, "update-body": "설계 완료", "update-status": "in_progress"})
    assert response.status_code == 302
    own_item.refresh_from_db()
    assert own_item.status == "in_progress" and own_item.updates.count() == 2
    edit = client.post(site_reverse(agency, "manage_execution", pk=own_item.pk), {
        "action": "edit", "edit-title": "바꿈", "edit-department": own_item.department_id})
    assert edit.status_code == 404
    own_item.refresh_from_db()
    assert own_item.title == "우리 부서"


def test_a_bad_update_is_a_form_error_and_changes_nothing(client, agency):
    admin = agency_admin(agency)
    item = item_for(agency, admin=admin)
    client.force_login(admin)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(site_reverse(agency, "manage_execution", pk=item.pk), {
        "action": "update", "update-happened_on": tomorrow, "update-body": "미래"})
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    assert item.updates.count() == 1


def test_bulk_visibility_changes_the_selected_items_and_audits_each(client, agency):
    admin = agency_admin(agency)
    items = [item_for(agency, admin=admin, title=f"항목 {n}") for n in range(3)]
    client.force_login(admin)
    response = client.post(site_reverse(agency, "manage_execution_bulk"),
                           {"action": "make_hidden", "items": [items[0].pk, items[2].pk]})
    assert response.status_code == 302
    assert sorted(ExecutionItem.objects.filter(is_public=False).values_list("pk", flat=True)) == [
        items[0].pk, items[2].pk]
    assert AuditEntry.objects.filter(action="execution.make_hidden").count() == 2
    html = client.get(site_reverse(agency, "manage_executions"), {"visibility": "hidden"}).content.decode()
    assert sorted(map(int, re.findall(r'data-row="(\d+)"', html))) == [items[0].pk, items[2].pk]


def test_the_list_filters_and_pages(client, agency):
    admin = agency_admin(agency)
    first = item_for(agency, admin=admin, title="가로등 설치")
    second = item_for(agency, admin=admin, title="벤치 교체")
    services.post_update(actor=admin, item_id=second.pk, body="완료", status="done")
    client.force_login(admin)
    url = site_reverse(agency, "manage_executions")

    def rows(**query):
        return sorted(map(int, re.findall(r'data-row="(\d+)"', client.get(url, query).content.decode())))

    assert rows() == sorted([first.pk, second.pk])
    assert rows(status="done") == [second.pk]
    assert rows(q="가로등") == [first.pk]
    assert rows(department=first.department_id) == [first.pk]
    ExecutionItem.objects.bulk_create([
        ExecutionItem(agency=agency, title=f"대량 {n}", department=first.department, created_by=admin,
                      proposal=None, debate=closed_debate(agency, admin=admin, title=f"토론 {n}"))
        for n in range(50)])
    page_one, page_two = client.get(url).content.decode(), client.get(url, {"page": 2}).content.decode()
    assert page_one.count("data-row=") == 50 and page_two.count("data-row=") == 2
    assert "page 1 of 2" in page_one


def test_the_excel_export_has_every_filtered_row_with_real_numbers(client, agency):
    admin = agency_admin(agency)
    busy = item_for(agency, admin=admin, title='=HYPERLINK("http://evil.example","x")', supporters=3)
    quiet = item_for(agency, admin=admin, title="조용한 항목")
    services.post_update(actor=admin, item_id=busy.pk, body="착공", status="in_progress")
    services.post_update(actor=admin, item_id=busy.pk, body="중간 점검")
    for support in Support.objects.filter(proposal=busy.proposal)[:2]:
        services.follow(item=busy, citizen=support.citizen)
    item_for(agency, admin=admin, title="숨김", is_public=False)
    client.force_login(admin)
    response = client.get(site_reverse(agency, "manage_executions_export"), {"visibility": "public"})
    assert response["Content-Disposition"].startswith(f'attachment; filename="executions-{agency.slug}-')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers[:3] == ["No.", "Title", "Status"]
    by_number = {row[0]: dict(zip(headers, row)) for row in rows[1:]}
    assert set(by_number) == {busy.pk, quiet.pk}
    assert by_number[busy.pk]["Title"] == '=HYPERLINK("http://evil.example","x")'  # text, not a formula
    assert (by_number[busy.pk]["Updates"], by_number[busy.pk]["Followers"]) == (3, 2)
    assert (by_number[quiet.pk]["Updates"], by_number[quiet.pk]["Followers"]) == (1, 0)
    assert by_number[busy.pk]["Status"] == "in progress"
    assert by_number[busy.pk]["Source"] == f"Proposal no. {busy.proposal_id}"
    assert by_number[busy.pk]["Public"] == "Public"


# --- creating from the source's back-office page ---------------------------------------------------
def test_track_execution_from_the_proposal_review_page(client, agency):
    admin = agency_admin(agency)
    proposal, department = adopted_proposal(agency, admin=admin)
    client.force_login(admin)
    review = client.get(site_reverse(agency, "manage_proposal_review", pk=proposal.pk)).content.decode()
    create_url = site_reverse(agency, "manage_execution_create")
    assert f'href="{create_url}?proposal={proposal.pk}"' in review
    form = client.get(create_url, {"proposal": proposal.pk}).content.decode()
    assert f'<option value="{proposal.pk}" selected>' in form
    response = client.post(create_url, {"proposal": proposal.pk, "title": "야간 조명", "department": department.pk,
                                         "status": "planned", "note": "착수", "is_public": "on"})
    item = ExecutionItem.objects.get()
    assert response.status_code == 302 and response["Location"] == site_reverse(agency, "manage_execution", pk=item.pk)
    again = client.get(create_url, {"proposal": proposal.pk})
    assert again["Location"] == site_reverse(agency, "manage_execution", pk=item.pk)
    review = client.get(site_reverse(agency, "manage_proposal_review", pk=proposal.pk)).content.decode()
    assert f'href="{site_reverse(agency, "manage_execution", pk=item.pk)}"' in review


def test_track_execution_from_the_debate_result_page_and_a_bad_form_changes_nothing(client, agency):
    admin = agency_admin(agency)
    debate = closed_debate(agency, admin=admin)
    client.force_login(admin)
    result = client.get(site_reverse(agency, "manage_debate_result", pk=debate.pk)).content.decode()
    create_url = site_reverse(agency, "manage_execution_create")
    assert f'href="{create_url}?debate={debate.pk}"' in result
    response = client.post(create_url, {"debate": debate.pk, "title": "", "status": "planned"})
    assert response.status_code == 400 and ExecutionItem.objects.count() == 0


def test_list_pages_cost_the_same_queries_whatever_their_length(client, agency):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = agency_admin(agency)
    item_for(agency, admin=admin)

    def cost(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.force_login(admin)
    urls = [site_reverse(agency, "execution_list"), site_reverse(agency, "manage_executions"),
            site_reverse(city(), "execution_list")]
    before = [cost(url) for url in urls]
    for n in range(4):
        item_for(agency, admin=admin, title=f"더 {n}")
    assert [cost(url) for url in urls] == before


def test_the_audit_log_names_execution_actions(client, agency):
    admin = agency_admin(agency)
    item = item_for(agency, admin=admin)
    services.post_update(actor=admin, item_id=item.pk, body="착공", status="in_progress")
    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_audit_log")).content.decode()
    assert "Execution item created" in html and "Execution status changed" in html
    assert "in progress" in html
