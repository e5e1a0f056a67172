import pytest

from deliberation.agencies.models import Agency
from deliberation.agencies.selectors import city
from deliberation.agencies.sites import site_reverse
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, platform_admin

pytestmark = pytest.mark.django_db


def test_the_city_is_the_root_site_after_migrate(client):
    seoul = city()
    assert seoul.is_city and seoul.name == "서울시"
    assert client.get("/").status_code == 200


def test_a_platform_admin_adds_an_agency_and_its_site_is_live_at_once(client):
    admin = platform_admin()
    future_admin = CitizenFactory(username="newadmin")
    client.force_login(admin)
    response = client.post("/platform/agencies/", {
        "name": "서울에너지공사", "slug": "energy", "primary_colour": "#b45309",
        "banner_text": "에너지 전환, 시민과 함께", "admin_username": "newadmin",
    })
    assert response.status_code == 302
    page = client.get("/a/energy/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "서울에너지공사" in html and "#b45309" in html and "에너지 전환, 시민과 함께" in html
    client.force_login(future_admin)
    assert client.get("/a/energy/manage/settings/").status_code == 200


@pytest.mark.parametrize("slug,error", [("seoul", "reserved"), ("Not A Slug!", "slug"), ("", "required")])
def test_bad_agency_input_is_refused_with_a_message(client, slug, error):
    client.force_login(platform_admin())
    before = Agency.objects.count()
    response = client.post("/platform/agencies/", {"name": "기관", "slug": slug, "primary_colour": "#123456"})
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert Agency.objects.count() == before


def test_a_taken_address_is_refused(client, agency):
    client.force_login(platform_admin())
    response = client.post("/platform/agencies/", {"name": "중복", "slug": agency.slug, "primary_colour": "#123456"})
    assert response.status_code == 200 and Agency.objects.filter(slug=agency.slug).count() == 1


@pytest.mark.parametrize("who", ["anonymous", "citizen", "agency_admin"])
def test_only_platform_admins_reach_the_agency_register(client, agency, who):
    if who == "citizen":
        client.force_login(CitizenFactory())
    elif who == "agency_admin":
        client.force_login(agency_admin(agency))
    response = client.get("/platform/agencies/")
    assert response.status_code in (302, 403)
    assert agency.name not in response.content.decode()


def test_agency_admin_changes_own_settings_and_they_show_at_once_only_there(client, agency, other_agency):
    client.force_login(agency_admin(agency))
    url = site_reverse(agency, "manage_settings")
    response = client.post(url, {
        "name": "새 이름 공사", "primary_colour": "#be123c", "banner_text": "새 배너",
        "support_period_days": 30, "answer_threshold": 50, "debate_threshold": 500, "review_deadline_days": 20,
    })
    assert response.status_code == 302
    assert "새 배너" in client.get(site_reverse(agency, "home")).content.decode()
    assert "새 배너" not in client.get(site_reverse(other_agency, "home")).content.decode()
    other_agency.refresh_from_db()
    assert other_agency.name != "새 이름 공사"


def test_settings_validation_message_and_nothing_changes(client, agency):
    client.force_login(agency_admin(agency))
    response = client.post(site_reverse(agency, "manage_settings"), {
        "name": agency.name, "primary_colour": "red", "banner_text": "",
        "support_period_days": 30, "answer_threshold": 500, "debate_threshold": 50, "review_deadline_days": 20,
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    agency.refresh_from_db()
    assert agency.primary_colour == "#0f766e" and agency.answer_threshold == 50


@pytest.mark.parametrize("method", ["get", "post"])
def test_agency_a_admin_gets_404_on_agency_b_back_office(client, agency, other_agency, method):
    client.force_login(agency_admin(agency))
    url = site_reverse(other_agency, "manage_settings")
    response = getattr(client, method)(url, {"name": "탈취", "primary_colour": "#000000"})
    assert response.status_code == 404
    assert other_agency.banner_text not in response.content.decode() or not other_agency.banner_text
    other_agency.refresh_from_db()
    assert other_agency.name != "탈취"


def test_a_citizen_cannot_open_any_back_office(client, agency):
    client.force_login(CitizenFactory())
    assert client.get(site_reverse(agency, "manage_settings")).status_code == 404
    assert client.get(site_reverse(city(), "manage_settings")).status_code == 404


def test_anonymous_is_sent_to_login_from_the_back_office(client, agency):
    response = client.get(site_reverse(agency, "manage_settings"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_or_suspended_agency_site_is_not_found(client):
    suspended = AgencyFactory()
    suspended.is_active = False
    suspended.save()
    assert client.get(f"/a/{suspended.slug}/").status_code == 404
    assert client.get("/a/no-such-agency/").status_code == 404


def test_the_home_page_links_every_participating_agency(client, agency, other_agency):
    html = client.get("/").content.decode()
    assert f"/a/{agency.slug}/" in html and f"/a/{other_agency.slug}/" in html
