"""The citizen pages through the test client: forms that keep the draft, JSON errors, the
cross-listing rule on pages, escaping. The live behaviour is tested in a browser (tests/e2e)."""

import json

import pytest

from deliberation.agencies.selectors import city
from deliberation.agencies.sites import site_reverse
from deliberation.proposals.models import Proposal, Support
from deliberation.proposals.services import file_proposal
from tests.factories import AgencyFactory, CitizenFactory

pytestmark = pytest.mark.django_db


def proposal_for(agency, **kwargs):
    kwargs.setdefault("title", "자전거도로 조명")
    return file_proposal(agency=agency, author=kwargs.pop("author", None) or CitizenFactory(),
                         body=kwargs.pop("body", "밤에 어둡습니다."), policy_category="transport", **kwargs)


def post_json(client, url):
    return client.post(url, data="{}", content_type="application/json")


def test_submitting_on_an_agency_site_files_for_that_agency(client, agency, citizen):
    client.force_login(citizen)
    url = site_reverse(agency, "proposal_new")
    response = client.post(url, {"agency": agency.pk, "title": "역 엘리베이터", "body": "설치해 주세요",
                                 "policy_category": "transport", "district": "mapo", "themes": "#엘리베이터"})
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == site_reverse(agency, "proposal_detail", pk=proposal.pk)
    assert proposal.agency == agency and proposal.district == "mapo"


def test_an_agency_site_cannot_file_for_another_agency(client, agency, other_agency, citizen):
    client.force_login(citizen)
    response = client.post(site_reverse(agency, "proposal_new"), {
        "agency": other_agency.pk, "title": "t", "body": "b", "policy_category": "transport"})
    assert response.status_code == 400 and not Proposal.objects.exists()


def test_a_refused_submission_keeps_the_draft_and_names_each_problem(client, citizen):
    client.force_login(citizen)
    response = client.post(site_reverse(city(), "proposal_new"), {
        "agency": city().pk, "title": "", "body": "내 초안 본문은 남아야 합니다", "policy_category": "astrology",
        "themes": "#좋은테마"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "내 초안 본문은 남아야 합니다" in html and "#좋은테마" in html
    assert html.count('class="errorlist"') >= 2
    assert not Proposal.objects.exists()


def test_submitting_needs_an_account(client):
    response = client.get(site_reverse(city(), "proposal_new"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_pages_follow_the_cross_listing_rule(client):
    agency_a, agency_b = AgencyFactory(), AgencyFactory()
    for_a, for_city = proposal_for(agency_a, title="A 기관 제안"), proposal_for(city(), title="서울시 제안")
    city_list = client.get(site_reverse(city(), "proposal_list")).content.decode()
    a_list = client.get(site_reverse(agency_a, "proposal_list")).content.decode()
    b_list = client.get(site_reverse(agency_b, "proposal_list")).content.decode()
    assert "A 기관 제안" in city_list and "서울시 제안" in city_list
    assert "A 기관 제안" in a_list and "서울시 제안" not in a_list
    assert "A 기관 제안" not in b_list
    assert client.get(site_reverse(city(), "proposal_detail", pk=for_a.pk)).status_code == 200
    assert client.get(site_reverse(agency_b, "proposal_detail", pk=for_a.pk)).status_code == 404
    assert client.get(site_reverse(agency_a, "proposal_detail", pk=for_city.pk)).status_code == 404


def test_the_list_filters_and_pages(client, agency):
    for n in range(14):
        proposal_for(agency, title=f"제안 {n:02d}")
    proposal_for(agency, title="공원 그늘막", body="그늘이 필요", district="mapo")
    url = site_reverse(agency, "proposal_list")
    assert "공원 그늘막" in client.get(url, {"district": "mapo"}).content.decode()
    assert "제안 00" not in client.get(url, {"district": "mapo"}).content.decode()
    first, second = client.get(url).content.decode(), client.get(url, {"page": 2}).content.decode()
    assert first.count("data-proposal-id=") == 12 and second.count("data-proposal-id=") == 3
    assert client.get(url, {"page": "nonsense", "sort": "'; DROP"}).status_code == 200


def test_user_text_is_escaped_on_the_page(client, agency):
    proposal = proposal_for(agency, title="조명", body="a < b & <3")
    html = client.get(site_reverse(agency, "proposal_detail", pk=proposal.pk)).content.decode()
    assert "a &lt; b &amp; &lt;3" in html


def test_support_json_contract(client, agency, citizen):
    proposal = proposal_for(agency)
    support_url = site_reverse(agency, "proposal_support_json", pk=proposal.pk)
    withdraw_url = site_reverse(agency, "proposal_withdraw_json", pk=proposal.pk)
    assert post_json(client, support_url).status_code == 401
    client.force_login(citizen)
    created = post_json(client, support_url)
    assert created.status_code == 201 and created.json() == {"supported": True, "supports": 1}
    again = post_json(client, support_url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_supported"
    withdrawn = post_json(client, withdraw_url)
    assert withdrawn.status_code == 200 and withdrawn.json() == {"supported": False, "supports": 0}
    assert post_json(client, withdraw_url).json()["error"]["code"] == "not_supported"
    other = AgencyFactory()
    assert post_json(client, site_reverse(other, "proposal_support_json", pk=proposal.pk)).status_code == 404
    assert not Support.objects.exists()


def test_support_form_without_script_toggles(client, agency, citizen):
    proposal = proposal_for(agency)
    url = site_reverse(agency, "proposal_support", pk=proposal.pk)
    client.force_login(citizen)
    client.post(url)
    page = client.get(site_reverse(agency, "proposal_detail", pk=proposal.pk)).content.decode()
    assert 'data-supported="true"' in page and 'name="withdraw"' in page
    client.post(url, {"withdraw": "1"})
    assert not Support.objects.exists()


def test_a_refused_comment_keeps_its_text(client, agency, citizen):
    proposal = proposal_for(agency)
    client.force_login(citizen)
    url = site_reverse(agency, "proposal_comment", pk=proposal.pk)
    response = client.post(url, {"body": "<script></script>", "parent": ""})
    assert response.status_code == 400
    response = client.post(url, {"body": "가" * 2001})
    assert response.status_code == 400 and "가" * 100 in response.content.decode()
    ok = client.post(url, {"body": "좋아요"})
    assert ok.status_code == 302


def test_views_are_counted_once_per_visitor_per_day(client, agency):
    from django.core.cache import cache

    cache.clear()
    proposal = proposal_for(agency)
    url = site_reverse(agency, "proposal_detail", pk=proposal.pk)
    client.get(url)
    client.get(url)
    client.get(url, HTTP_USER_AGENT="another browser")
    assert Proposal.objects.get(pk=proposal.pk).view_count == 2


def test_private_proposals_are_not_found_for_citizens(client, agency, citizen):
    proposal = proposal_for(agency)
    Proposal.objects.filter(pk=proposal.pk).update(is_public=False)
    client.force_login(citizen)
    assert client.get(site_reverse(agency, "proposal_detail", pk=proposal.pk)).status_code == 404
    assert json.loads(post_json(client, site_reverse(agency, "proposal_support_json", pk=proposal.pk)).content)["error"]["code"] == "not_found"
