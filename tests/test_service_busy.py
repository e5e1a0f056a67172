"""An exhausted connection pool is a clear, retryable 503, not a server error."""

import pytest
from django.db import OperationalError
from psycopg_pool import PoolTimeout

from deliberation.agencies.selectors import city
from deliberation.agencies.sites import site_reverse
from deliberation.proposals import views
from deliberation.proposals.models import Support
from deliberation.proposals.services import file_proposal

pytestmark = pytest.mark.django_db


def pool_exhausted(*args, **kwargs):
    try:
        raise PoolTimeout("couldn't get a connection after 10.00 sec")
    except PoolTimeout as exc:
        raise OperationalError(str(exc)) from exc


def test_an_exhausted_pool_answers_503_json_with_retry_after(client, citizen, monkeypatch):
    proposal = file_proposal(agency=city(), author=citizen, title="t", body="b", policy_category="other")
    client.force_login(citizen)
    monkeypatch.setattr(views.services, "support", pool_exhausted)
    response = client.post(site_reverse(city(), "proposal_support_json", pk=proposal.pk), "{}",
                            content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "3"
    assert response.json()["error"]["code"] == "busy"
    assert not Support.objects.exists()


def test_other_database_errors_stay_server_errors(client, citizen, monkeypatch):
    proposal = file_proposal(agency=city(), author=citizen, title="t", body="b", policy_category="other")
    client.force_login(citizen)
    monkeypatch.setattr(views.services, "support", lambda **kw: (_ for _ in ()).throw(OperationalError("boom")))
    client.raise_request_exception = False
    response = client.post(site_reverse(city(), "proposal_support_json", pk=proposal.pk), "{}",
                           content_type="application/json")
    assert response.status_code == 500


def connection_lost(*args, **kwargs):
    import psycopg

    try:
        raise psycopg.OperationalError("connection failed: connection refused")
    except psycopg.OperationalError as exc:
        raise OperationalError(str(exc)) from exc


def test_a_lost_database_answers_503_json_unavailable(client, citizen, monkeypatch):
    proposal = file_proposal(agency=city(), author=citizen, title="t", body="b", policy_category="other")
    client.force_login(citizen)
    monkeypatch.setattr(views.services, "support", connection_lost)
    response = client.post(site_reverse(city(), "proposal_support_json", pk=proposal.pk), "{}",
                           content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "3"
    assert response.json()["error"]["code"] == "unavailable"
    assert not Support.objects.exists()


def test_a_lost_database_answers_a_plain_503_page_not_a_traceback(client, citizen, monkeypatch, settings):
    settings.DEBUG = True  # the technical 500 page would show the traceback
    proposal = file_proposal(agency=city(), author=citizen, title="t", body="b", policy_category="other")
    client.force_login(citizen)
    monkeypatch.setattr(views.services, "support", connection_lost)
    response = client.post(site_reverse(city(), "proposal_support", pk=proposal.pk))
    assert response.status_code == 503 and response["Retry-After"] == "3"
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/html") and "Traceback" not in body and "<h1>503</h1>" in body


def test_a_cancelled_query_is_not_unavailability(client, citizen, monkeypatch):
    import psycopg

    def cancelled(**kwargs):
        try:
            raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
        except psycopg.Error as exc:
            raise OperationalError(str(exc)) from exc

    proposal = file_proposal(agency=city(), author=citizen, title="t", body="b", policy_category="other")
    client.force_login(citizen)
    monkeypatch.setattr(views.services, "support", cancelled)
    client.raise_request_exception = False
    response = client.post(site_reverse(city(), "proposal_support_json", pk=proposal.pk), "{}",
                           content_type="application/json")
    assert response.status_code == 500
