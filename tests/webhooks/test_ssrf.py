"""Endpoints may only point at public https addresses: checked at registration and again
before every send (DNS can change in between)."""

import socket

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from deliberation.webhooks import targets
from deliberation.webhooks.errors import InvalidEndpoint, UnsafeTarget, WebhookErrorCode
from deliberation.webhooks.models import Delivery, Endpoint
from deliberation.webhooks.services import register_endpoint
from deliberation.webhooks.worker import deliver_due
from tests.factories import agency_admin, given_proposal

from .conftest import subscribe


@pytest.fixture
def production_rules(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    settings.DEBUG = False


@pytest.fixture
def fake_dns(monkeypatch):
    """Names we make resolve where we like (no network: the resolver is the stdlib's)."""
    answers = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                    for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hooks",
    "https://127.1.2.3:8443/hooks",
    "https://10.0.0.7/hooks",
    "https://172.16.5.4/hooks",
    "https://192.168.0.10/hooks",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hooks",
    "https://[fe80::1]/hooks",
    "https://[fd00::5]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://0.0.0.0/hooks",
    "https://224.0.0.1/hooks",
    "https://240.0.0.1/hooks",
    "https://100.64.0.1/hooks",
    "https://localhost/hooks",
])
def test_private_loopback_link_local_multicast_and_reserved_targets_are_refused(production_rules, url):
    with pytest.raises(UnsafeTarget) as refused:
        targets.check(url)
    assert refused.value.code == WebhookErrorCode.UNSAFE_TARGET


def test_a_host_name_resolving_to_a_private_address_is_refused(production_rules, fake_dns):
    fake_dns["intranet.partner.example"] = ["10.1.2.3"]
    fake_dns["mixed.partner.example"] = ["93.184.215.14", "192.168.1.1"]
    fake_dns["hooks.partner.example"] = ["93.184.215.14"]
    for name in ("intranet", "mixed"):
        with pytest.raises(UnsafeTarget):
            targets.check(f"https://{name}.partner.example/hooks")
    assert targets.check("https://hooks.partner.example/hooks").address == "93.184.215.14"


@pytest.mark.parametrize("url", ["http://93.184.215.14/hooks", "ftp://93.184.215.14/", "https://user:pw@93.184.215.14/",
                                 "https:///nohost", "not a url"])
def test_only_plain_https_urls_are_accepted(production_rules, url):
    with pytest.raises(UnsafeTarget):
        targets.check(url)


def test_a_public_https_address_is_accepted(production_rules):
    assert targets.check("https://93.184.215.14:8443/hooks").port == 8443
    assert targets.check("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hooks").address.startswith("2606:")


@pytest.mark.django_db
def test_registration_refuses_an_unsafe_url_and_stores_nothing(production_rules, agency):
    with pytest.raises(InvalidEndpoint) as refused:
        register_endpoint(actor=agency_admin(agency), agency=agency, url="https://169.254.169.254/", events=["proposal.filed"])
    assert "url" in refused.value.errors
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_the_address_is_checked_again_when_sending(agency, partner, settings, fake_dns):
    """Registered while the name pointed elsewhere; now it resolves to loopback: refused
    at send time, recorded as a failed try, and nothing reaches the address."""
    endpoint = subscribe(partner, agency)
    fake_dns["rebind.partner.example"] = ["127.0.0.1"]
    Endpoint.objects.filter(pk=endpoint.pk).update(url=f"http://rebind.partner.example:{partner.port}/hooks/main")
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    given_proposal(agency=agency)
    deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_error.startswith("refused:")
    assert partner.received == []


def test_deploy_check_fails_when_production_allows_private_targets(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    with pytest.raises(SystemCheckError, match="webhooks.E001"):
        call_command("check", "--deploy", "--tag", "webhooks")
