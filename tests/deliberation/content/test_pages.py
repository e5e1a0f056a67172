"""The public pages and the back office's screens: XSS stays inert, terms and privacy fall back
to the city's text, the agencies page and footer links, bulk visibility, create/edit/delete."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.agencies.selectors import city
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.content import admin_services
from deliberation.content.models import FaqEntry, Notice, SitePage
from tests.factories import agency_admin, platform_admin

from .conftest import notice

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>공지 "따옴표" & <b>굵게</b>'


def test_xss_in_a_notice_renders_inert(client, agency):
    admin = agency_admin(agency)
    stored = notice(admin, agency, title=XSS, body=XSS + "\n둘째 줄 javascript:alert(1)")
    assert "<" not in stored.title and "<" not in stored.body  # markup stripped on the way in
    # Even a row written around the service (an import, a shell) is escaped on the way out.
    raw = Notice.objects.create(agency=agency, title="<svg onload=alert(2)>", body="<iframe src=javascript:alert(3)>")
    for item in (stored, raw):
        for url in (site_reverse(agency, "notice_detail", pk=item.pk), site_reverse(agency, "notice_list"),
                    site_reverse(agency, "home")):
            html = client.get(url).content.decode()
            assert "<script>alert" not in html and "<svg onload" not in html and "<img src=x" not in html
            assert "<iframe" not in html
    html = client.get(site_reverse(agency, "notice_detail", pk=raw.pk)).content.decode()
    assert "&lt;svg onload=alert(2)&gt;" in html and "&lt;iframe src=javascript:alert(3)&gt;" in html
    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_content_list", kind="notices")).content.decode()
    assert "<svg onload" not in html and "&lt;svg onload=alert(2)&gt;" in html


def test_terms_and_privacy_fall_back_to_the_citys_text(client, agency):
    seoul = city()
    client.get(site_reverse(agency, "terms"))
    assert "has not been published yet" in client.get(site_reverse(agency, "terms")).content.decode()
    admin_services.save_site_page(actor=platform_admin(), site=seoul, kind="terms", body="서울시 이용약관 본문")
    html = client.get(site_reverse(agency, "terms")).content.decode()
    assert "서울시 이용약관 본문" in html and "follows the text of Democracy Seoul" in html
    admin = agency_admin(agency)
    admin_services.save_site_page(actor=admin, site=agency, kind="terms", body="기관 이용약관 본문")
    html = client.get(site_reverse(agency, "terms")).content.decode()
    assert "기관 이용약관 본문" in html and "서울시 이용약관 본문" not in html
    assert "서울시 이용약관 본문" in client.get(site_reverse(seoul, "terms")).content.decode()
    # Privacy is separate; an empty text returns the agency to the city's.
    assert "has not been published yet" in client.get(site_reverse(agency, "privacy")).content.decode()
    assert admin_services.save_site_page(actor=admin, site=agency, kind="terms", body="  ") is None
    assert "서울시 이용약관 본문" in client.get(site_reverse(agency, "terms")).content.decode()
    assert SitePage.objects.filter(agency=agency).count() == 0


def test_agencies_page_and_footer_links(client, agency, other_agency):
    from deliberation.agencies.models import Agency

    Agency.objects.filter(pk=other_agency.pk).update(is_active=False)
    html = client.get(site_reverse(agency, "agency_list")).content.decode()
    assert f'href="/a/{agency.slug}/"' in html and f'/a/{other_agency.slug}/' not in html and 'href="/"' in html
    for site in (city(), agency):
        html = client.get(site_reverse(site, "debate_list")).content.decode()
        for name in ("terms", "privacy", "agency_list"):
            assert f'href="{site_reverse(site, name)}"' in html


def test_public_pages_render(client, agency):
    admin = agency_admin(agency)
    notice(admin, agency)
    admin_services.save_item(actor=admin, site=agency, kind="faq", data={
        "question": "비밀번호를 잊었어요", "answer": "비밀번호 찾기를 누르세요.", "category": "계정", "is_public": True})
    admin_services.save_item(actor=admin, site=agency, kind="faq", data={
        "question": "숨긴 질문", "answer": "숨김", "is_public": False})
    for name in ("notice_list", "faq", "qna_list", "event_list", "participation_list", "terms", "privacy",
                 "agency_list"):
        assert client.get(site_reverse(agency, name)).status_code == 200, name
    html = client.get(site_reverse(agency, "faq")).content.decode()
    assert "비밀번호를 잊었어요" in html and "숨긴 질문" not in html
    scheduled = notice(admin, agency, title="예약 공지", published_at=timezone.now() + timedelta(days=1))
    assert "예약 공지" not in client.get(site_reverse(agency, "notice_list")).content.decode()
    assert client.get(site_reverse(agency, "notice_detail", pk=scheduled.pk)).status_code == 404


def test_back_office_create_edit_bulk_delete(client, agency):
    admin = agency_admin(agency)
    client.force_login(admin)
    for kind in ("notices", "faq", "events", "participation", "questions"):
        assert client.get(site_reverse(agency, "manage_content_list", kind=kind)).status_code == 200, kind
    for kind in ("notices", "faq", "events", "participation"):
        assert client.get(site_reverse(agency, "manage_content_new", kind=kind)).status_code == 200, kind
    for page_kind in ("terms", "privacy"):
        assert client.get(site_reverse(agency, "manage_content_page", page_kind=page_kind)).status_code == 200
    assert client.get(site_reverse(agency, "manage_content_featured")).status_code == 200
    assert client.get(site_reverse(agency, "manage_content_new", kind="questions")).status_code == 404

    response = client.post(site_reverse(agency, "manage_content_new", kind="events"), {
        "title": "주민 설명회", "place": "구청 강당", "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T09:00",
        "is_public": "on"})
    assert response.status_code == 400 and "The end is before the start." in response.content.decode()
    response = client.post(site_reverse(agency, "manage_content_new", kind="faq"), {
        "question": "자주 묻는 질문", "answer": "답", "category": "", "position": "1", "is_public": "on"})
    assert response.status_code == 302
    entry = FaqEntry.objects.get(agency=agency)
    response = client.post(site_reverse(agency, "manage_content_edit", kind="faq", pk=entry.pk), {
        "question": "고친 질문", "answer": "고친 답", "position": "3"})
    entry.refresh_from_db()
    assert (entry.question, entry.position, entry.is_public) == ("고친 질문", 3, False)

    notices = [notice(admin, agency, title=f"공지 {i}") for i in range(3)]
    response = client.post(site_reverse(agency, "manage_content_bulk", kind="notices"),
                           {"action": "hide", "items": [notices[0].pk, notices[1].pk], "return_query": "q=공지"})
    assert response.status_code == 302 and response["Location"].endswith("?q=%EA%B3%B5%EC%A7%80")
    assert sorted(Notice.objects.filter(is_public=False).values_list("pk", flat=True)) == [notices[0].pk, notices[1].pk]
    response = client.post(site_reverse(agency, "manage_content_bulk", kind="notices"), {"action": "explode",
                                                                                          "items": [notices[2].pk]})
    assert Notice.objects.filter(is_public=False).count() == 2
    client.post(site_reverse(agency, "manage_content_delete", kind="notices", pk=notices[2].pk))
    assert not Notice.objects.filter(pk=notices[2].pk).exists()
    actions = set(AuditEntry.objects.filter(agency=agency).values_list("action", flat=True))
    assert {"content.faq.create", "content.faq.edit", "content.notices.hide", "content.notices.delete"} <= actions


def test_list_filters_and_pagination(client, agency):
    admin = agency_admin(agency)
    for i in range(53):
        notice(admin, agency, title=f"공지 {i}")
    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_content_list", kind="notices")).content.decode()
    assert "Rows: 53" in html and html.count('name="items"') == 50
    html = client.get(site_reverse(agency, "manage_content_list", kind="notices") + "?page=2").content.decode()
    assert html.count('name="items"') == 3
    html = client.get(site_reverse(agency, "manage_content_list", kind="notices")
                      + "?date_from=2030-01-02&date_to=2030-01-01").content.decode()
    assert "The end date is before the start date." in html


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_and_home_cost_a_fixed_number_of_queries(client, agency):
    from deliberation.content import services
    from tests.factories import CitizenFactory, open_pro_con_debate

    from .conftest import event

    admin = agency_admin(agency)
    client.force_login(admin)
    urls = [site_reverse(agency, "manage_content_list", kind=kind) for kind in ("notices", "questions", "events")]
    urls += [site_reverse(agency, "home"), site_reverse(agency, "qna_list")]

    def add_rows():
        notice(admin, agency)
        event(admin, agency)
        services.ask_question(site=agency, author=CitizenFactory(), title="질문 제목", body="질문 본문입니다.")
        debate = open_pro_con_debate(agency=agency)
        from deliberation.content.models import FeaturedDebate

        FeaturedDebate.objects.create(agency=agency, debate=debate, position=debate.pk)

    add_rows()
    before = [_queries(client, url) for url in urls]
    for _ in range(4):
        add_rows()
    after = [_queries(client, url) for url in urls]
    assert after == before
