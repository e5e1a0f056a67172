"""Rate limits of the citizen endpoints (deliberation/ratelimits.py, policies in settings):
past a limit the request gets 429 (a JSON error with Retry-After, or a readable page) and no
row changes; the per-account limit blocks only that account; the per-address limit blocks
everyone behind the address."""

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest
from django.test import Client
from django.utils import timezone

from deliberation.accounts.models import User
from deliberation.agencies.sites import site_reverse
from deliberation.comments.models import Comment
from deliberation.debates.models import Ballot, Debate, Opinion, VoteType
from deliberation.proposals.models import Proposal, Support
from tests.factories import CitizenFactory, given_proposal, open_pro_con_debate

pytestmark = pytest.mark.django_db

GENEROUS = "100000/minute"


def limit(settings, policy, *, account=GENEROUS, address=GENEROUS):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, policy: {"account": account, "address": address}}


def client_for(user, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Endpoint:
    policy: str
    json: bool
    # (client, agency, i) -> response; the i-th request targets a fresh object, so that every
    # request that gets through makes a row.
    send: Callable
    rows: Callable[[], int]


def _proposal_new(client, agency, i):
    return client.post(site_reverse(agency, "proposal_new"), {
        "agency": agency.pk, "title": f"역 엘리베이터 {i}", "body": "설치해 주세요", "policy_category": "transport"})


def _fresh_proposal(agency):
    return given_proposal(agency=agency, title="자전거도로를 넓혀 주세요", policy_category="transport")


def _proposal_comment(client, agency, i):
    proposal = _fresh_proposal(agency)
    return client.post(site_reverse(agency, "proposal_comment", pk=proposal.pk), {"body": f"좋은 제안입니다 {i}"})


def _debate_comment(client, agency, i):
    debate = open_pro_con_debate(agency=agency)
    return client.post(site_reverse(agency, "debate_comment", pk=debate.pk), {"body": f"의견입니다 {i}"})


def _opinion(client, agency, i):
    now = timezone.now()
    debate = Debate.objects.create(agency=agency, title="응원도구 토론", vote_type=VoteType.DISCUSSION, is_published=True,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7))
    return client.post(site_reverse(agency, "debate_opinion", pk=debate.pk), {"body": f"찬성합니다 {i}"})


def _support_form(client, agency, i):
    return client.post(site_reverse(agency, "proposal_support", pk=_fresh_proposal(agency).pk))


def _support_json(client, agency, i):
    return client.post(site_reverse(agency, "proposal_support_json", pk=_fresh_proposal(agency).pk))


def _pro(debate):
    return debate.options.get(kind="for").pk


def _ballot_form(client, agency, i):
    debate = open_pro_con_debate(agency=agency)
    return client.post(site_reverse(agency, "debate_ballot", pk=debate.pk), {"option": _pro(debate)})


def _ballot_json(client, agency, i):
    debate = open_pro_con_debate(agency=agency)
    return client.post(site_reverse(agency, "debate_ballot_json", pk=debate.pk),
                       json.dumps({"option": _pro(debate)}), content_type="application/json")


ENDPOINTS = {
    "proposal_new": Endpoint("proposal", False, _proposal_new, lambda: Proposal.objects.count()),
    "proposal_comment": Endpoint("comment", False, _proposal_comment, lambda: Comment.objects.count()),
    "debate_comment": Endpoint("comment", False, _debate_comment, lambda: Comment.objects.count()),
    "debate_opinion": Endpoint("comment", False, _opinion, lambda: Opinion.objects.count()),
    "proposal_support": Endpoint("support", False, _support_form, lambda: Support.objects.count()),
    "proposal_support_json": Endpoint("support", True, _support_json, lambda: Support.objects.count()),
    "debate_ballot": Endpoint("ballot", False, _ballot_form, lambda: Ballot.objects.count()),
    "debate_ballot_json": Endpoint("ballot", True, _ballot_json, lambda: Ballot.objects.count()),
}


def assert_refused(response, endpoint: Endpoint):
    assert response.status_code == 429, response.content[:500]
    assert int(response["Retry-After"]) >= 1
    if endpoint.json:
        assert response.json()["error"]["code"] == "rate_limited"
    else:
        assert 'data-error-page="429"' in response.content.decode()


@pytest.fixture
def agency_site(agency):
    return agency


@pytest.mark.parametrize("name", ENDPOINTS)
def test_past_the_per_account_limit_the_request_is_refused_and_changes_nothing(settings, agency_site, name):
    endpoint = ENDPOINTS[name]
    limit(settings, endpoint.policy, account="2/minute")
    citizen, neighbour = CitizenFactory(), CitizenFactory()
    client = client_for(citizen)
    for i in range(2):
        response = endpoint.send(client, agency_site, i)
        assert response.status_code in (200, 201, 302), (i, response.status_code, response.content[:300])
    before = endpoint.rows()
    assert before >= 2
    assert_refused(endpoint.send(client, agency_site, 2), endpoint)
    assert endpoint.rows() == before
    # The same address (one venue's Wi-Fi), another account: not blocked by the first one's limit.
    response = endpoint.send(client_for(neighbour), agency_site, 3)
    assert response.status_code in (200, 201, 302)
    assert endpoint.rows() == before + 1


@pytest.mark.parametrize("name", ["proposal_support_json", "debate_ballot", "debate_comment"])
def test_the_per_address_limit_covers_every_account_behind_the_address(settings, agency_site, name):
    endpoint = ENDPOINTS[name]
    limit(settings, endpoint.policy, address="3/minute")
    for i in range(3):
        assert endpoint.send(client_for(CitizenFactory()), agency_site, i).status_code in (200, 201, 302)
    before = endpoint.rows()
    assert_refused(endpoint.send(client_for(CitizenFactory()), agency_site, 3), endpoint)
    assert endpoint.rows() == before
    # Another address is not affected.
    assert endpoint.send(client_for(CitizenFactory(), "10.0.0.2"), agency_site, 4).status_code in (200, 201, 302)
    assert endpoint.rows() == before + 1


def test_an_account_over_its_own_limit_does_not_use_up_its_address(settings, agency_site):
    """A venue's hall shares one address: one flooding phone, refused per account, must not eat
    the budget the others need."""
    endpoint = ENDPOINTS["debate_ballot_json"]
    limit(settings, "ballot", account="1/minute", address="5/minute")
    flooder = client_for(CitizenFactory())
    assert endpoint.send(flooder, agency_site, 0).status_code == 201
    for i in range(10):
        assert endpoint.send(flooder, agency_site, i + 1).status_code == 429
    for i in range(4):
        assert endpoint.send(client_for(CitizenFactory()), agency_site, 20 + i).status_code == 201


def test_sign_up_is_limited_per_address(settings):
    limit(settings, "signup", address="2/minute")

    def sign_up(i, address="10.0.0.1"):
        return Client(REMOTE_ADDR=address).post("/accounts/signup/", {
            "username": f"minji{i}", "email": f"minji{i}@example.org",
            "password1": "seoul-park-walk-77", "password2": "seoul-park-walk-77"})

    assert [sign_up(i).status_code for i in range(2)] == [302, 302]
    response = sign_up(2)
    assert response.status_code == 429 and 'data-error-page="429"' in response.content.decode()
    assert not User.objects.filter(username="minji2").exists()
    assert sign_up(3, address="10.0.0.2").status_code == 302


def test_the_json_refusal_is_in_korean_by_default(settings, agency_site):
    limit(settings, "ballot", account="0/minute")
    korean = _ballot_json(client_for(CitizenFactory()), agency_site, 0).json()["error"]["message"]
    english = client_for(CitizenFactory())
    english.cookies["django_language"] = "en"
    assert _ballot_json(english, agency_site, 1).json()["error"]["message"] == "Too many requests. Try again later."
    assert korean != "Too many requests. Try again later." and korean.strip()


def test_get_requests_are_not_counted(settings, agency_site):
    limit(settings, "proposal", account="1/minute", address="1/minute")
    client = client_for(CitizenFactory())
    for _ in range(3):
        assert client.get(site_reverse(agency_site, "proposal_new")).status_code == 200
    assert _proposal_new(client, agency_site, 0).status_code == 302


def test_rate_limits_can_be_switched_off(settings, agency_site):
    """RATE_LIMITS_ENABLED=0: the load tests' servers, measured without limits."""
    limit(settings, "ballot", account="1/minute")
    settings.RATE_LIMITS_ENABLED = False
    client = client_for(CitizenFactory())
    assert [_ballot_json(client, agency_site, i).status_code for i in range(3)] == [201, 201, 201]
