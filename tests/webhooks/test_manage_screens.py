"""The webhooks screen: agency admins only (404 for everyone else, and for another agency's
endpoints), the secret shown once, every change audited, replay re-sends."""

import pytest

from deliberation.agencies.selectors import city
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.events import Event
from deliberation.webhooks.models import Delivery, Endpoint
from deliberation.webhooks.worker import deliver_due
from tests.factories import CitizenFactory, agency_admin, given_proposal, platform_admin

from .conftest import subscribe

pytestmark = pytest.mark.django_db


def url(agency, name="manage_webhooks", **kwargs):
    return site_reverse(agency, name, **kwargs)


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(client, agency, partner):
    admin = agency_admin(agency)
    client.force_login(admin)
    assert client.get(url(agency)).status_code == 200
    response = client.post(url(agency), {"url": partner.url("new"), "description": "우리 플랫폼",
                                         "events": [Event.PROPOSAL_FILED, Event.DEBATE_OPENED]})
    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    assert endpoint.agency == agency and endpoint.events == [Event.PROPOSAL_FILED, Event.DEBATE_OPENED]
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get(url(agency)).content.decode()
    assert endpoint.secret not in client.get(url(agency, "manage_webhook", pk=endpoint.pk)).content.decode()
    entry = AuditEntry.objects.get(action="webhook.created")
    assert entry.actor == admin and entry.agency == agency and endpoint.secret not in str(entry.after)


def test_an_unsafe_url_or_no_event_is_refused_on_the_form(client, agency, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    client.force_login(agency_admin(agency))
    response = client.post(url(agency), {"url": "http://10.0.0.1/hooks", "events": []})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"url", "events"}
    assert not Endpoint.objects.exists()


def test_rotate_edit_disable_and_delete_are_audited(client, agency, partner):
    admin = agency_admin(agency)
    endpoint = subscribe(partner, agency, admin=admin)
    old_secret = endpoint.secret
    client.force_login(admin)
    response = client.post(url(agency, "manage_webhook_rotate", pk=endpoint.pk))
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret in response.content.decode()
    response = client.post(url(agency, "manage_webhook", pk=endpoint.pk), {
        "url": endpoint.url, "description": "바뀐 설명", "events": [Event.PROPOSAL_FILED], "is_enabled": ""})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled and endpoint.events == [Event.PROPOSAL_FILED]
    edited = AuditEntry.objects.get(action="webhook.edited")
    assert edited.before["is_enabled"] is True and edited.after["is_enabled"] is False
    assert client.post(url(agency, "manage_webhook_delete", pk=endpoint.pk)).status_code == 302
    assert not Endpoint.objects.exists()
    assert list(AuditEntry.objects.filter(target_type="endpoint").order_by("id").values_list("action", flat=True)) == [
        "webhook.created", "webhook.secret_rotated", "webhook.edited", "webhook.deleted"]


def test_the_delivery_log_shows_status_attempts_response_and_next_retry(client, agency, partner):
    partner.status = 500
    admin = agency_admin(agency)
    endpoint = subscribe(partner, agency, admin=admin)
    given_proposal(agency=agency)
    deliver_due()
    client.force_login(admin)
    page = client.get(url(agency, "manage_webhook", pk=endpoint.pk)).content.decode()
    delivery = Delivery.objects.get()
    assert delivery.message_id in page and "HTTP 500" in page and "proposal.filed" in page
    assert delivery.next_attempt_at is not None
    failed_only = client.get(url(agency, "manage_webhook", pk=endpoint.pk) + "?status=succeeded").content.decode()
    assert delivery.message_id not in failed_only


def test_replay_sends_a_delivery_again_with_the_same_id_and_is_audited(client, agency, partner):
    admin = agency_admin(agency)
    endpoint = subscribe(partner, agency, admin=admin)
    given_proposal(agency=agency)
    deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == "succeeded"
    client.force_login(admin)
    response = client.post(url(agency, "manage_webhook_replay", pk=endpoint.pk, delivery_pk=delivery.pk))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.replay_count == 1
    deliver_due()
    first, again = partner.verified()
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == delivery.message_id
    assert first.body == again.body
    entry = AuditEntry.objects.get(action="webhook.replayed")
    assert entry.actor == admin and entry.after["delivery"] == delivery.pk
    assert list(delivery.attempt_log.values_list("series", flat=True)) == [0, 1]


def test_another_agencys_admin_citizens_and_anonymous_visitors_get_404(client, agency, other_agency, partner):
    endpoint = subscribe(partner, agency)
    given_proposal(agency=agency)
    delivery = Delivery.objects.get()
    pages = [
        ("get", url(agency)),
        ("get", url(agency, "manage_webhook", pk=endpoint.pk)),
        ("post", url(agency, "manage_webhook_rotate", pk=endpoint.pk)),
        ("post", url(agency, "manage_webhook_delete", pk=endpoint.pk)),
        ("post", url(agency, "manage_webhook_replay", pk=endpoint.pk, delivery_pk=delivery.pk)),
    ]
    for outsider in (agency_admin(other_agency), CitizenFactory()):
        client.force_login(outsider)
        for method, page in pages:
            assert getattr(client, method)(page).status_code == 404, (outsider, page)
    # B's admin on B's own site asking for A's endpoint by id: not found either.
    client.force_login(agency_admin(other_agency))
    own_site = [
        ("get", url(other_agency, "manage_webhook", pk=endpoint.pk)),
        ("post", url(other_agency, "manage_webhook_rotate", pk=endpoint.pk)),
        ("post", url(other_agency, "manage_webhook_delete", pk=endpoint.pk)),
        ("post", url(other_agency, "manage_webhook_replay", pk=endpoint.pk, delivery_pk=delivery.pk)),
    ]
    for method, page in own_site:
        assert getattr(client, method)(page).status_code == 404, page
    assert endpoint.url not in client.get(url(other_agency)).content.decode()
    client.logout()
    assert client.get(url(agency)).status_code == 302  # sent to log in
    endpoint.refresh_from_db()
    assert Endpoint.objects.filter(pk=endpoint.pk).exists() and delivery.replay_count == 0
    assert not AuditEntry.objects.filter(action__in=["webhook.replayed", "webhook.deleted", "webhook.secret_rotated"]).exists()


def test_the_city_admin_manages_the_citys_endpoints_and_the_platform_admin_any(client, agency, partner):
    client.force_login(agency_admin(city()))
    assert client.get(url(city())).status_code == 200
    assert client.get(url(agency)).status_code == 404  # the city's admins do not run partners' integrations
    client.force_login(platform_admin())
    assert client.get(url(agency)).status_code == 200


def test_replay_of_a_disabled_endpoint_is_refused_with_a_message(client, agency, partner):
    admin = agency_admin(agency)
    endpoint = subscribe(partner, agency, admin=admin)
    given_proposal(agency=agency)
    Endpoint.objects.filter(pk=endpoint.pk).update(is_enabled=False)
    client.force_login(admin)
    response = client.post(url(agency, "manage_webhook_replay", pk=endpoint.pk,
                               delivery_pk=Delivery.objects.get().pk), follow=True)
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="webhook.replayed").exists()


def test_the_back_office_nav_leads_to_the_webhooks_screen_through_integrations(client, agency):
    client.force_login(agency_admin(agency))
    integrations = url(agency, "manage_integrations")
    assert integrations in client.get(url(agency, "manage_settings")).content.decode()
    assert url(agency) in client.get(integrations).content.decode()
