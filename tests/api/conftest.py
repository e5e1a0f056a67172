import json

import pytest
from django.test import Client

from deliberation.integrations import ratelimit
from deliberation.integrations.services import create_api_key
from tests.factories import agency_admin

ALL_SCOPES = ["proposals:write", "supports:write", "private:read"]


@pytest.fixture(autouse=True)
def generous_rate_limits(settings):
    """Limits high enough not to matter, and every counter from zero (Redis keeps them between
    runs); the rate-limit tests lower them."""
    settings.API_RATE_LIMIT = "10000/minute"
    settings.API_ANON_RATE_LIMIT = "10000/minute"
    ratelimit.reset()
    yield
    ratelimit.reset()


def make_key(agency, *, scopes=ALL_SCOPES, platform="구청 참여플랫폼", name="production"):
    """A key as the agency admin makes it on the integrations screen; returns (key, token)."""
    return create_api_key(agency=agency, actor=agency_admin(agency), name=name, platform_name=platform,
                          scopes=list(scopes))


class Api:
    """The Django test client speaking JSON to /api/v1/ with an optional key."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def _headers(self, extra):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def post(self, path, body=None, headers=None):
        return self.client.post(f"/api/v1{path}", json.dumps(body or {}), content_type="application/json",
                                headers=self._headers(headers))


@pytest.fixture
def anonymous_api():
    return Api()


@pytest.fixture
def key_and_api(agency):
    key, token = make_key(agency)
    return key, Api(token)


def new_proposal_body(**overrides):
    return {"title": "공원에 그늘막을 설치해 주세요", "body": "여름에 놀이터가 너무 덥습니다.",
            "policy_category": "environment", "themes": ["그늘막"], "external_user_id": "u-1001",
            "external_user_name": "김민지", **overrides}
