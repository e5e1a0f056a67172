"""The worker: retries with backoff for a dead endpoint (500, refused, timeout), failure
after the last try, auto-disable, signatures a partner can check (and catches when wrong),
leases, and no network in the request path."""

import json
import socket
import threading
import time
from datetime import timedelta

import httpx
import pytest
from django.db import connections as connections_of_thread
from django.utils import timezone

from deliberation.agencies.models import Agency
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.events import Event
from deliberation.webhooks.models import Delivery, DeliveryAttempt, Endpoint
from deliberation.webhooks.worker import backoff, claim_due, deliver_due, signed_headers
from tests.factories import CitizenFactory, given_proposal

from .conftest import subscribe
from .partner import free_port

pytestmark = pytest.mark.django_db


class Fixed:
    def __init__(self, value):
        self.value = value

    def uniform(self, a, b):
        return self.value


def test_backoff_grows_fourfold_with_jitter_and_spans_about_a_day():
    assert backoff(1, rng=Fixed(1.0)) == timedelta(seconds=15)
    assert backoff(2, rng=Fixed(1.0)) == timedelta(seconds=60)
    assert backoff(7, rng=Fixed(1.0)) == timedelta(seconds=15 * 4 ** 6)
    assert backoff(3, rng=Fixed(0.8)) < backoff(3, rng=Fixed(1.0)) < backoff(3, rng=Fixed(1.2))
    total = sum((backoff(n, rng=Fixed(1.0)) for n in range(1, 8)), timedelta())
    assert timedelta(hours=20) < total < timedelta(hours=26)
    for n in range(1, 8):
        assert timedelta(seconds=15 * 4 ** (n - 1) * 0.8) <= backoff(n) <= timedelta(seconds=15 * 4 ** (n - 1) * 1.2)


def test_an_endpoint_answering_500_is_retried_with_backoff_then_marked_failed(agency, partner, settings):
    settings.WEBHOOKS_AUTO_DISABLE_AFTER = 0
    partner.status = 500
    endpoint = subscribe(partner, agency)
    given_proposal(agency=agency)
    now = timezone.now()
    assert deliver_due(now=now)["failed"] == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert timedelta(seconds=12) <= delivery.next_attempt_at - now <= timedelta(seconds=18)
    assert deliver_due(now=now + timedelta(seconds=5))["sent"] == 0  # not due yet
    for _ in range(7):
        now = Delivery.objects.get().next_attempt_at
        deliver_due(now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)
    attempts = list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [a.number for a in attempts] == list(range(1, 9))
    assert all(a.status_code == 500 and a.error == "HTTP 500" for a in attempts)
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(attempts, attempts[1:])]
    assert all(later > earlier * 2.5 for earlier, later in zip(gaps, gaps[1:]))  # exponential
    assert len(partner.received) == 8
    assert len({r.headers["webhook-id"] for r in partner.received}) == 1  # one id for every try
    assert Endpoint.objects.get(pk=endpoint.pk).failed_streak == 1


def test_connection_refused_is_recorded_and_retried(agency, partner):
    endpoint = subscribe(partner, agency)
    Endpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{free_port()}/hooks/main")
    given_proposal(agency=agency)
    deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code is None
    assert "ConnectError" in delivery.last_error and delivery.next_attempt_at > timezone.now()


def test_a_hanging_endpoint_times_out_and_does_not_hold_up_another_endpoint(agency, other_agency, partner, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    subscribe(partner, agency, name="slow")
    healthy = subscribe(partner, other_agency, name="fast")
    given_proposal(agency=agency)
    given_proposal(agency=other_agency)
    partner.block()
    started = time.monotonic()
    result = deliver_due()
    partner.unblock()
    assert time.monotonic() - started < 3
    assert result == {"sent": 2, "succeeded": 0, "failed": 2}  # both held: the stand-in is one gate
    for delivery in Delivery.objects.all():
        assert delivery.last_error == "timeout after 0.5 s" and 400 <= delivery.last_duration_ms < 2000
    assert healthy.deliveries.get().attempts == 1


def test_endpoint_is_disabled_after_deliveries_fail_in_a_row_and_that_is_audited(agency, partner, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    settings.WEBHOOKS_AUTO_DISABLE_AFTER = 2
    partner.status = 503
    endpoint = subscribe(partner, agency)
    given_proposal(agency=agency)
    deliver_due()
    assert Endpoint.objects.get(pk=endpoint.pk).is_enabled
    given_proposal(agency=agency)
    deliver_due()
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled and endpoint.disabled_reason
    assert AuditEntry.objects.filter(action="webhook.auto_disabled", target_id=endpoint.pk, actor=None).exists()
    given_proposal(agency=agency)
    assert endpoint.deliveries.count() == 2  # a disabled endpoint gets no new deliveries


def test_a_success_resets_the_failure_streak(agency, partner, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    partner.status = 500
    endpoint = subscribe(partner, agency)
    given_proposal(agency=agency)
    deliver_due()
    assert Endpoint.objects.get(pk=endpoint.pk).failed_streak == 1
    partner.status = 200
    given_proposal(agency=agency)
    deliver_due()
    assert Endpoint.objects.get(pk=endpoint.pk).failed_streak == 0


def test_the_stand_in_rejects_a_wrong_secret_and_a_tampered_body(agency, partner):
    subscribe(partner, agency, name="main")
    partner.secrets["main"] = "whsec_" + "QUJD" * 11  # the partner holds a different secret
    given_proposal(agency=agency)
    deliver_due()
    [got] = partner.received
    assert not got.verified and "No matching signature" in got.error

    # A body changed on the way is caught with the right secret too.
    endpoint = subscribe(partner, agency, name="right")
    secret = Endpoint.objects.get(pk=endpoint.pk).secret
    body = json.dumps({"type": "proposal.filed"})
    headers = signed_headers(secret=secret, message_id="msg_x", body=body)
    httpx.post(partner.url("right"), content=body.replace("filed", "promoted"), headers=headers)
    httpx.post(partner.url("right"), content=body, headers=headers)
    tampered, genuine = partner.received[1:]
    assert not tampered.verified and genuine.verified


def test_two_workers_never_lease_the_same_delivery(agency, partner):
    subscribe(partner, agency)
    given_proposal(agency=agency)
    now = timezone.now()
    first = claim_due(now=now, limit=10, lease=timedelta(minutes=1))
    second = claim_due(now=now, limit=10, lease=timedelta(minutes=1))
    assert len(first) == 1 and second == []
    # A worker that died leaves the lease to expire; the row is then sent again.
    assert len(claim_due(now=now + timedelta(minutes=2), limit=10, lease=timedelta(minutes=1))) == 1


@pytest.mark.django_db(transaction=True)
def test_a_support_request_never_waits_for_a_webhook(client, partner, settings):
    """The receiver holds every delivery; a worker is stuck sending to it; a citizen's
    support crossing the threshold (an event for the endpoint) still answers at once, and
    the request opens no connection to the receiver."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 10
    agency = Agency.objects.get(is_city=True)
    Agency.objects.filter(pk=agency.pk).update(answer_threshold=1)
    subscribe(partner, agency)
    proposal = given_proposal(agency=agency)
    partner.block()
    def work():
        try:
            deliver_due()
        finally:
            connections_of_thread.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    assert partner.arrived.wait(5)  # the worker is now held by the receiver

    connections = []
    real_connect = socket.socket.connect

    def watching_connect(sock, address):
        if isinstance(address, tuple) and address[1] == partner.port:
            connections.append(address)
        return real_connect(sock, address)

    client.force_login(CitizenFactory())
    socket.socket.connect = watching_connect
    try:
        started = time.monotonic()
        response = client.post(site_reverse(agency, "proposal_support_json", pk=proposal.pk))
        elapsed = time.monotonic() - started
    finally:
        socket.socket.connect = real_connect
    partner.unblock()
    worker.join(15)
    assert response.status_code == 201
    assert elapsed < 2 and connections == []
    assert Delivery.objects.filter(event__type=Event.PROPOSAL_THRESHOLD_REACHED, status="pending").count() == 1


def test_the_procfile_command_sends_due_deliveries(agency, partner):
    from io import StringIO

    from django.core.management import call_command

    subscribe(partner, agency)
    given_proposal(agency=agency)
    out = StringIO()
    call_command("deliver_webhooks", "--once", stdout=out)
    assert "'succeeded': 1" in out.getvalue()
    assert len(partner.verified()) == 1


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_deleted_while_its_delivery_is_on_the_wire_does_not_break_the_pass(partner):
    from deliberation.webhooks.services import delete_endpoint
    from tests.factories import agency_admin

    agency = Agency.objects.get(is_city=True)
    admin = agency_admin(agency)
    endpoint = subscribe(partner, agency, admin=admin)
    given_proposal(agency=agency)
    partner.block()
    results = []

    def work():
        try:
            results.append(deliver_due())
        finally:
            connections_of_thread.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    assert partner.arrived.wait(5)
    delete_endpoint(actor=admin, agency=agency, endpoint_id=endpoint.pk)
    partner.unblock()
    worker.join(15)
    assert results and results[0]["sent"] == 1
    assert not Delivery.objects.exists() and not DeliveryAttempt.objects.exists()
