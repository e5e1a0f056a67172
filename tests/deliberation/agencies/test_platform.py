"""Platform admin (전체관리자): suspend and restore an agency, base settings, policy, integrations."""

import pytest

from deliberation.agencies.models import Agency, PlatformSettings
from deliberation.agencies.platform_services import set_agency_active
from deliberation.audit.models import AuditEntry
from deliberation.proposals.models import Proposal
from tests.factories import CitizenFactory, agency_admin, given_proposal, platform_admin

pytestmark = pytest.mark.django_db


def test_a_suspended_agency_shows_a_closed_notice_and_keeps_its_data(client, agency):
    proposal = given_proposal(agency=agency, title="보관될 제안")
    client.force_login(platform_admin())
    client.post("/platform/agencies/", {"action": "suspend", "agency": agency.pk})
    agency.refresh_from_db()
    assert not agency.is_active
    page = client.get(f"/a/{agency.slug}/")
    assert page.status_code == 404 and agency.name in page.content.decode()
    assert "closed_agency" in page.context
    assert client.get(f"/a/{agency.slug}/proposals/{proposal.pk}/").status_code == 404
    assert Proposal.objects.filter(pk=proposal.pk, title="보관될 제안").exists()
    # The city's archive still lists it.
    assert "보관될 제안" in client.get("/proposals/").content.decode()
    client.post("/platform/agencies/", {"action": "restore", "agency": agency.pk})
    assert client.get(f"/a/{agency.slug}/proposals/{proposal.pk}/").status_code == 200
    assert list(AuditEntry.objects.filter(agency=agency, action__startswith="agency.").order_by("id")
                .values_list("action", flat=True)) == ["agency.suspended", "agency.restored"]


def test_the_city_cannot_be_suspended(client):
    client.force_login(platform_admin())
    city = Agency.objects.get(is_city=True)
    client.post("/platform/agencies/", {"action": "suspend", "agency": city.pk})
    city.refresh_from_db()
    assert city.is_active


def test_only_the_platform_admin_suspends(agency):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        set_agency_active(actor=agency_admin(agency), agency_id=agency.pk, active=False)
    agency.refresh_from_db()
    assert agency.is_active


def test_base_settings_give_new_agencies_their_policy_numbers(client):
    client.force_login(platform_admin())
    response = client.post("/platform/settings/", {
        "platform_name": "민주주의 서울", "default_support_period_days": 45, "default_answer_threshold": 30,
        "default_debate_threshold": 300, "default_review_deadline_days": 14})
    assert response.status_code == 302
    assert PlatformSettings.load().default_answer_threshold == 30
    client.post("/platform/agencies/", {"name": "새 기관", "slug": "new-one", "primary_colour": "#1d4ed8"})
    agency = Agency.objects.get(slug="new-one")
    assert (agency.support_period_days, agency.answer_threshold, agency.debate_threshold,
            agency.review_deadline_days) == (45, 30, 300, 14)
    assert AuditEntry.objects.filter(agency=agency, action="agency.registered").count() == 1


def test_base_settings_refuse_a_debate_threshold_below_the_answer_threshold(client):
    client.force_login(platform_admin())
    response = client.post("/platform/settings/", {
        "platform_name": "x", "default_support_period_days": 30, "default_answer_threshold": 500,
        "default_debate_threshold": 50, "default_review_deadline_days": 20})
    assert response.status_code == 200
    assert PlatformSettings.load().default_answer_threshold == 50


def test_a_new_agency_with_a_low_contrast_colour_is_refused(client):
    client.force_login(platform_admin())
    response = client.post("/platform/agencies/", {"name": "노랑", "slug": "yellow", "primary_colour": "#fde047"})
    assert response.status_code == 200 and not Agency.objects.filter(slug="yellow").exists()
    assert "4.5" in response.content.decode()


def test_the_password_policy_comes_from_settings(client, settings):
    settings.PASSWORD_RESET_TIMEOUT = 6 * 3600
    settings.AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                                          "OPTIONS": {"min_length": 12}}]
    client.force_login(platform_admin())
    response = client.get("/platform/settings/")
    assert response.context["reset_hours"] == 6
    rules = list(response.context["password_rules"])
    assert len(rules) == 1 and "12" in str(rules[0]) and str(rules[0]) in response.content.decode()


def test_the_integrations_overview_lists_every_agency(client, agency, other_agency):
    client.force_login(platform_admin())
    response = client.get("/platform/integrations/")
    html = response.content.decode()
    assert response.status_code == 200 and agency.name in html and other_agency.name in html


@pytest.mark.parametrize("url", ["/platform/agencies/", "/platform/settings/", "/platform/integrations/"])
def test_platform_pages_are_for_the_platform_admin(client, agency, url):
    assert client.get(url).status_code == 302
    client.force_login(agency_admin(agency))
    assert client.get(url).status_code == 403
    client.force_login(CitizenFactory())
    assert client.get(url).status_code == 403
