"""A partner platform (구축 기관) for real: a small Starlette app with its own HTTP client calls
the open API of a real Daphne server (its own database, seeded with the demo data). Its
citizens file a proposal, like it and withdraw it; the city's and the agency's pages show it
coming from the partner; the agency admin revokes the key and the next call is refused."""

import os
import re
import urllib.parse
import urllib.request

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.e2e.conftest import HttpSession
from tests.e2e.servers import ServerStack

pytestmark = pytest.mark.servers

PLATFORM = "시설공단 시민참여 앱"


def partner_platform(api_base: str, token: str) -> Starlette:
    """The partner's own backend: its users submit and like on its site; it relays to the API."""

    def api() -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=f"{api_base}/api/v1", timeout=15,
                                 headers={"Authorization": f"Bearer {token}"})

    async def relay(reply: httpx.Response) -> JSONResponse:
        return JSONResponse(reply.json(), status_code=reply.status_code,
                            headers={"X-Replayed": reply.headers.get("Idempotent-Replayed", "false")})

    async def submit(request: Request):
        form = await request.json()
        async with api() as client:
            return await relay(await client.post("/partner/proposals", headers={"Idempotency-Key": form["submission"]}, json={
                "title": form["title"], "body": form["body"], "policy_category": "environment",
                "external_user_id": form["user_id"], "external_user_name": form["user_name"]}))

    async def likes(request: Request):
        form = await request.json()
        async with api() as client:
            return await relay(await client.post(f"/partner/proposals/{request.path_params['pk']}/supports",
                                                 json={"external_ids": form["user_ids"], "batch": form["batch"]}))

    async def withdraw(request: Request):
        async with api() as client:
            return await relay(await client.post(f"/partner/proposals/{request.path_params['pk']}/withdraw"))

    return Starlette(routes=[
        Route("/submissions", submit, methods=["POST"]),
        Route("/submissions/{pk:int}/likes", likes, methods=["POST"]),
        Route("/submissions/{pk:int}/withdraw", withdraw, methods=["POST"]),
    ])


@pytest.fixture
def stack(tmp_path):
    stack = ServerStack(tmp_path, redis_url=os.environ.get("REDIS_URL") or None)
    yield stack
    stack.stop()


def page(base: str, path: str) -> str:
    return httpx.get(base + path, timeout=15).text


def revoke_on_the_integrations_screen(base: str) -> None:
    admin = HttpSession(base).login("sisul-admin")
    html = admin.opener.open(base + "/a/sisul/manage/integrations/").read().decode()
    key_id = re.search(r'data-key-id="(\d+)"', html).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
    admin.opener.open(urllib.request.Request(f"{base}/a/sisul/manage/integrations/keys/{key_id}/revoke/", data=data,
                                             headers={"Referer": base + "/a/sisul/manage/integrations/"}))


async def test_a_partner_platform_files_supports_and_withdraws_through_a_real_server(stack):
    token = stack.manage("create_api_key", "--agency", "sisul", "--name", "e2e", "--platform", PLATFORM).strip()
    base = stack.start_server()
    # The test drives the partner's app in-process; the partner's calls to the API go over TCP.
    partner = httpx.AsyncClient(transport=httpx.ASGITransport(app=partner_platform(base, token)),
                                base_url="http://partner.test", timeout=30)
    submission = {"submission": "sub-42", "title": "한강공원 자전거 대여소를 늘려 주세요", "body": "주말마다 자전거가 부족합니다.",
                  "user_id": "app-user-7", "user_name": "박서준"}

    filed = await partner.post("/submissions", json=submission)
    assert filed.status_code == 201, filed.text
    retried = await partner.post("/submissions", json=submission)  # the partner's retry after a timeout
    assert retried.json()["id"] == filed.json()["id"] and retried.headers["X-Replayed"] == "true"
    pk = filed.json()["id"]
    assert filed.json()["via"] == PLATFORM and filed.json()["author"] == "박서준"

    # Cross-listing: on the agency's list and the city's archive, marked as from the partner.
    for path in ("/a/sisul/proposals/", "/proposals/"):
        html = page(base, path)
        assert submission["title"] in html and PLATFORM in html and html.count(submission["title"]) == 1
    assert PLATFORM in page(base, f"/a/sisul/proposals/{pk}/")
    assert page(base, "/a/seoul-metro/proposals/").count(submission["title"]) == 0
    listed = httpx.get(f"{base}/api/v1/proposals", params={"agency": "sisul"}).json()["items"]
    assert any(p["id"] == pk and p["via"] == PLATFORM for p in listed)

    liked = await partner.post(f"/submissions/{pk}/likes", json={"user_ids": ["app-user-1", "app-user-2"], "batch": "b1"})
    assert liked.json()["added"] == 2
    again = await partner.post(f"/submissions/{pk}/likes", json={"user_ids": ["app-user-2", "app-user-3"], "batch": "b2"})
    assert again.json()["added"] == 1 and again.json()["partner_supports"] == 3
    assert httpx.get(f"{base}/api/v1/proposals/{pk}").json()["partner_supports"] == 3

    assert (await partner.post(f"/submissions/{pk}/withdraw")).status_code == 200
    assert submission["title"] not in page(base, "/proposals/")
    assert httpx.get(f"{base}/api/v1/proposals/{pk}").status_code == 404

    revoke_on_the_integrations_screen(base)
    refused = await partner.post("/submissions", json={**submission, "submission": "sub-43"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"
    await partner.aclose()
