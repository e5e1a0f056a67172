"""manage/integrations/: agency admins create, scope and revoke keys; everyone else gets 404."""

import hashlib
import re

import pytest
from django.test import Client

from deliberation.audit.models import AuditEntry
from deliberation.integrations.models import ApiKey
from tests.factories import CitizenFactory, PASSWORD, agency_admin

from .conftest import Api

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_admin_creates_a_key_shown_once_and_stored_hashed(agency):
    admin = agency_admin(agency)
    client = logged_in(admin)
    url = f"/a/{agency.slug}/manage/integrations/"
    page = client.get(url).content.decode()
    assert "manage/integrations/" in client.get(f"/a/{agency.slug}/").content.decode()  # linked from the nav
    assert "webhooks" not in page.lower() or "/manage/integrations/webhooks/" in page
    reply = client.post(url, {"name": "운영", "platform_name": "성동 참여플랫폼",
                              "scopes": ["proposals:write", "private:read"]})
    html = reply.content.decode()
    token = re.search(r"<code data-new-token>([^<]+)</code>", html).group(1)
    key = ApiKey.objects.get(agency=agency)
    assert key.scopes == ["private:read", "proposals:write"] and key.created_by == admin
    secret = token.split("_", 2)[2]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in str(key.__dict__)
    assert token not in client.get(url).content.decode()  # shown once
    assert Api(token).get("/partner/whoami").json()["scopes"] == ["private:read", "proposals:write"]
    assert AuditEntry.objects.filter(action="api_key.created", target_id=key.pk, actor=admin).exists()

    assert client.post(f"{url}keys/{key.pk}/revoke/").status_code == 302
    assert Api(token).get("/partner/whoami").status_code == 401
    assert "data-new-token" not in client.get(url).content.decode()
    assert AuditEntry.objects.filter(action="api_key.revoked", target_id=key.pk, actor=admin).exists()


def test_a_key_needs_a_scope(agency):
    client = logged_in(agency_admin(agency))
    reply = client.post(f"/a/{agency.slug}/manage/integrations/", {"name": "x", "platform_name": "y"})
    assert reply.status_code == 200 and not ApiKey.objects.exists()


def test_everyone_else_gets_404(agency, other_agency):
    from .conftest import make_key

    key, _ = make_key(agency)
    url = f"/a/{agency.slug}/manage/integrations/"
    for user in (CitizenFactory(), agency_admin(other_agency)):
        client = logged_in(user)
        assert client.get(url).status_code == 404
        assert client.post(f"{url}keys/{key.pk}/revoke/").status_code == 404
    # Another agency's admin on their own site: B's screen cannot revoke A's key either.
    client = logged_in(agency_admin(other_agency))
    assert client.post(f"/a/{other_agency.slug}/manage/integrations/keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    assert Client().get(url).status_code == 302  # anonymous: to the login page


def test_the_webhooks_screen_is_linked_when_its_url_exists(agency, monkeypatch):
    """The webhooks app (another branch) adds `manage_webhooks`; until then there is no link."""
    from deliberation.integrations import views

    client = logged_in(agency_admin(agency))
    url = f"/a/{agency.slug}/manage/integrations/"
    assert 'href="/a/%s/manage/settings/"' % agency.slug not in client.get(url).content.decode().split("<main")[1]
    monkeypatch.setattr(views, "WEBHOOKS_URL_NAME", "manage_settings")  # any URL name that resolves
    assert 'href="/a/%s/manage/settings/"' % agency.slug in client.get(url).content.decode().split("<main")[1]
