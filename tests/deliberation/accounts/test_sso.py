"""External sign-in through django-allauth: off unless configured; when the environment names
Kakao, Naver or an OpenID Connect provider, the log-in page offers it and starting it sends the
browser to the provider with our client id. The site's own log-in form is unchanged."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import PASSWORD, CitizenFactory

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.django_db

PROBE = """
import os, re, django
django.setup()
from django.test import Client
html = Client().get("/accounts/login/").content.decode()
print("SSO", sorted(re.findall(r'data-sso="([^"]+)"', html)))
print("FORM", html.count('<form method="post" class="stack">'))
for path in ("/accounts/sso/kakao/login/", "/accounts/sso/naver/login/"):
    response = Client().post(path + "?process=login")
    print("GO", response.status_code, response["Location"].split("?")[0], "client_id=" in response["Location"])
"""


def test_no_provider_is_offered_unless_configured(client):
    html = client.get("/accounts/login/").content.decode()
    assert "data-sso" not in html
    assert client.post("/accounts/sso/kakao/login/").status_code == 404


def test_the_own_login_form_still_works(client):
    CitizenFactory(username="plain")
    response = client.post("/accounts/login/", {"username": "plain", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_configured_providers_are_offered_and_start_at_the_provider(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "KAKAO_", "NAVER_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'sso.sqlite3'}", DJANGO_SETTINGS_MODULE="project.settings",
               KAKAO_CLIENT_ID="kakao-id", KAKAO_CLIENT_SECRET="kakao-secret", NAVER_CLIENT_ID="naver-id",
               NAVER_CLIENT_SECRET="naver-secret", OIDC_CLIENT_ID="oidc-id", OIDC_SERVER_URL="https://id.example.org",
               OIDC_PROVIDER_ID="seoul-id", OIDC_NAME="서울 통합인증")
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True, timeout=60).stdout
    assert "SSO ['kakao', 'naver', 'openid_connect']" in out
    assert "FORM 1" in out  # one form.stack: the browser tests' log-in selector stays unique
    assert "GO 302 https://kauth.kakao.com/oauth/authorize True" in out
    assert "GO 302 https://nid.naver.com/oauth2.0/authorize True" in out
