"""Agency isolation: nothing of agency B is visible to or changeable by agency A's admins (404),
and B's content never shows on A's site."""

import pytest

from deliberation.agencies.sites import site_reverse
from deliberation.content import admin_services, services
from deliberation.content.models import Notice, Question
from deliberation.errors import NotFound, PermissionDenied
from tests.factories import CitizenFactory, agency_admin

from .conftest import event, notice

pytestmark = pytest.mark.django_db


def test_b_notices_never_show_on_a_site(client, agency, other_agency):
    b_admin = agency_admin(other_agency)
    b_notice = notice(b_admin, other_agency, title="B기관 공지")
    a_notice = notice(agency_admin(agency), agency, title="A기관 공지")
    for url in (site_reverse(agency, "notice_list"), site_reverse(agency, "home")):
        html = client.get(url).content.decode()
        assert "A기관 공지" in html and "B기관 공지" not in html
    assert client.get(site_reverse(agency, "notice_detail", pk=b_notice.pk)).status_code == 404
    assert client.get(site_reverse(other_agency, "notice_detail", pk=b_notice.pk)).status_code == 200
    assert client.get(site_reverse(other_agency, "notice_detail", pk=a_notice.pk)).status_code == 404


def test_a_admin_gets_404_on_b_back_office_and_b_rows(client, agency, other_agency):
    a_admin, b_admin = agency_admin(agency), agency_admin(other_agency)
    b_notice = notice(b_admin, other_agency)
    question = services.ask_question(site=other_agency, author=CitizenFactory(), title="질문", body="B기관에 묻습니다.")
    client.force_login(a_admin)
    for name, kwargs in (("manage_content_list", {"kind": "notices"}), ("manage_content_export", {"kind": "notices"}),
                         ("manage_content_edit", {"kind": "notices", "pk": b_notice.pk}),
                         ("manage_content_answer", {"pk": question.pk}), ("manage_content_featured", {}),
                         ("manage_content_page", {"page_kind": "terms"})):
        assert client.get(site_reverse(other_agency, name, **kwargs)).status_code == 404, name
    # On A's own back office, B's rows are "not found" too, and posts change nothing.
    assert client.get(site_reverse(agency, "manage_content_edit", kind="notices", pk=b_notice.pk)).status_code == 404
    assert client.post(site_reverse(agency, "manage_content_delete", kind="notices", pk=b_notice.pk)).status_code == 404
    assert client.post(site_reverse(agency, "manage_content_answer", pk=question.pk),
                       {"answer": "가로채기"}).status_code == 404
    response = client.post(site_reverse(agency, "manage_content_bulk", kind="notices"),
                           {"action": "hide", "items": [b_notice.pk]})
    assert response.status_code == 302
    assert Notice.objects.get(pk=b_notice.pk).is_public is True
    assert Question.objects.get(pk=question.pk).answered_at is None
    # A's list does not contain B's rows.
    html = client.get(site_reverse(agency, "manage_content_list", kind="notices")).content.decode()
    assert f'data-row-id="{b_notice.pk}"' not in html


def test_services_refuse_other_sites(agency, other_agency):
    a_admin = agency_admin(agency)
    b_event = event(agency_admin(other_agency), other_agency)
    with pytest.raises(PermissionDenied):
        admin_services.save_item(actor=a_admin, site=other_agency, kind="notices", data={"title": "x", "body": "y"})
    with pytest.raises(NotFound):
        admin_services.delete_item(actor=a_admin, site=agency, kind="events", pk=b_event.pk)
    assert admin_services.set_visibility(actor=a_admin, site=agency, kind="events", ids=[b_event.pk], public=False) == 0
    b_event.refresh_from_db()
    assert b_event.is_public


def test_citizens_and_anonymous_get_404_or_login(client, agency, citizen):
    url = site_reverse(agency, "manage_content_list", kind="notices")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(citizen)
    assert client.get(url).status_code == 404
    assert client.get(site_reverse(agency, "manage_content_list", kind="nonsense")).status_code == 404


def test_platform_admin_manages_any_site(client, agency):
    from tests.factories import platform_admin

    client.force_login(platform_admin())
    response = client.post(site_reverse(agency, "manage_content_new", kind="notices"),
                           {"title": "전체관리자 공지", "body": "본문", "is_public": "on"})
    assert response.status_code == 302
    assert Notice.objects.get(agency=agency).title == "전체관리자 공지"
