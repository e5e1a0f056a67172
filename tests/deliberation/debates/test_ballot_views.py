import json

import pytest

from deliberation.agencies.sites import site_reverse
from deliberation.debates.models import Ballot
from tests.factories import open_pro_con_debate

pytestmark = pytest.mark.django_db


def urls(debate):
    return {
        "detail": site_reverse(debate.agency, "debate_detail", pk=debate.pk),
        "form": site_reverse(debate.agency, "debate_ballot", pk=debate.pk),
        "json": site_reverse(debate.agency, "debate_ballot_json", pk=debate.pk),
    }


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body) if not isinstance(body, str) else body,
                       content_type="application/json")


def test_the_debate_page_shows_the_tally_and_a_form_that_works_without_script(client, debate, citizen):
    client.force_login(citizen)
    page = client.get(urls(debate)["detail"])
    assert page.status_code == 200
    html = page.content.decode()
    assert debate.title in html and 'data-ballot-form' in html and f'action="{urls(debate)["form"]}"' in html
    for option in debate.options.all():
        assert option.label in html


def test_form_post_counts_the_ballot_and_redirects(client, debate, citizen):
    client.force_login(citizen)
    against = debate.options.get(kind="against")
    response = client.post(urls(debate)["form"], {"option": against.pk})
    assert response.status_code == 302 and response["Location"] == urls(debate)["detail"]
    page = client.get(response["Location"]).content.decode()
    assert "data-voted" in page
    assert Ballot.objects.get(debate=debate, citizen=citizen).option == against


def test_a_second_form_ballot_gets_a_clear_error_and_changes_nothing(client, debate, citizen):
    client.force_login(citizen)
    client.post(urls(debate)["form"], {"option": debate.options.get(kind="for").pk})
    response = client.post(urls(debate)["form"], {"option": debate.options.get(kind="against").pk})
    assert response.status_code == 409
    assert 'data-error-code="already_voted"' in response.content.decode()
    assert Ballot.objects.get(debate=debate, citizen=citizen).option.kind == "for"


def test_form_post_without_login_redirects_to_login(client, debate):
    response = client.post(urls(debate)["form"], {"option": debate.options.first().pk})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Ballot.objects.exists()


def test_json_ballot_201_then_409(client, debate, citizen):
    client.force_login(citizen)
    option = debate.options.get(kind="for")
    first = post_json(client, urls(debate)["json"], {"option": option.pk})
    assert first.status_code == 201
    assert first.json()["ballot"]["option"] == option.pk
    second = post_json(client, urls(debate)["json"], {"option": option.pk})
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_voted"
    assert Ballot.objects.filter(debate=debate).count() == 1


@pytest.mark.parametrize(
    "body,status,code",
    [
        ("not json", 400, "invalid"),
        ("[1, 2]", 400, "invalid"),
        ({"option": "x"}, 400, "unknown_option"),
        ({}, 400, "unknown_option"),
        ({"option": 999999}, 400, "unknown_option"),
    ],
)
def test_json_bad_input_is_a_clear_4xx_and_changes_nothing(client, debate, citizen, body, status, code):
    client.force_login(citizen)
    response = post_json(client, urls(debate)["json"], body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert not Ballot.objects.exists()


def test_json_ballot_needs_login(client, debate):
    response = post_json(client, urls(debate)["json"], {"option": debate.options.first().pk})
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_another_agencys_debate_is_not_found_on_this_site(client, debate, other_agency, citizen):
    client.force_login(citizen)
    foreign = open_pro_con_debate(agency=other_agency)
    on_wrong_site = site_reverse(debate.agency, "debate_detail", pk=foreign.pk)
    assert client.get(on_wrong_site).status_code == 404
    wrong_json = site_reverse(debate.agency, "debate_ballot_json", pk=foreign.pk)
    response = post_json(client, wrong_json, {"option": foreign.options.first().pk})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not Ballot.objects.exists()


def test_csrf_is_enforced_on_the_json_ballot(debate, citizen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    response = post_json(client, urls(debate)["json"], {"option": debate.options.first().pk})
    assert response.status_code == 403
    assert not Ballot.objects.exists()
