"""Stop PostgreSQL for a moment under a running server: pages and JSON answer a clear 503
with Retry-After (never a traceback), a websocket vote gets an `unavailable` error frame and
no ack, the server process stays up and logs the outage; once PostgreSQL is back, requests
succeed again without restarting the server (the psycopg pool reconnects)."""

import asyncio
import json
import time
import urllib.error
import urllib.request

import pytest
import websockets

from tests.e2e.conftest import HttpSession
from tests.e2e.frames import next_frame

from .voters import ws_url

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

DEBATE = "/a/sisul/debates/1/"


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


@pytest.mark.parametrize("server", ["uvicorn", "daphne"])
async def test_postgres_stopped_then_back(fault_stack, private_postgres, server):
    stack = fault_stack(DB_POOL_TIMEOUT=2)
    base = stack.start_server(server)
    process = stack.processes[-1]
    citizen = HttpSession(base).login("citizen")
    citizen2 = HttpSession(base).login("citizen2")
    session_key = next(c.value for c in citizen.jar if c.name == "sessionid")
    assert get(base + DEBATE)[0] == 200

    async with websockets.connect(ws_url(base, "/ws" + DEBATE), origin=base,
                                  additional_headers={"Cookie": f"sessionid={session_key}"}) as voter:
        snapshot = await next_frame(voter, lambda f: f["type"] == "tally", timeout=30)
        option = next(o["id"] for o in snapshot["options"] if o["kind"] == "for")

        private_postgres.stop("fast")
        outage_started = time.monotonic()
        try:
            # A page: 503, Retry-After, a short message, no traceback (the server runs DEBUG=1).
            status, headers, body = await asyncio.to_thread(get, base + DEBATE)
            assert status == 503, body[:500]
            assert headers.get("retry-after") == "3" and "Traceback" not in body and "<h1>503</h1>" in body
            # JSON: 503 with an error code.
            status, raw = await asyncio.to_thread(citizen2.post_json, DEBATE + "ballot.json",
                                                  json.dumps({"option": option}).encode())
            assert status == 503, raw[:500]
            assert json.loads(raw)["error"]["code"] == "unavailable"
            # A websocket vote: an error frame, no ack, the socket stays open.
            await voter.send(json.dumps({"type": "vote", "ref": "down", "option": option}))
            answer = await next_frame(voter, lambda f: f.get("ref") == "down", timeout=60)
            assert answer["type"] == "error" and answer["code"] == "unavailable", answer
            assert process.poll() is None, "the server died"
        finally:
            outage_seconds = time.monotonic() - outage_started
            private_postgres.start()

        # Back, without restarting the server: the page, then the same vote on the same socket.
        deadline = time.monotonic() + 60
        while (status := (await asyncio.to_thread(get, base + DEBATE))[0]) != 200:
            assert status == 503 and time.monotonic() < deadline, f"no recovery: {status}"
            await asyncio.sleep(0.5)
        recovered_after = time.monotonic() - outage_started - outage_seconds
        await voter.send(json.dumps({"type": "vote", "ref": "up", "option": option}))
        answer = await next_frame(voter, lambda f: f.get("ref") == "up", timeout=60)
        assert answer["type"] == "ack", answer
        status, raw = await asyncio.to_thread(citizen2.post_json, DEBATE + "ballot.json",
                                              json.dumps({"option": option}).encode())
        assert status == 201, raw[:500]
        final = await next_frame(voter, lambda f: f["type"] == "tally" and f["total"] == snapshot["total"] + 2,
                                 timeout=30)

    rows = stack.sql("SELECT citizen_id FROM debates_ballot WHERE debate_id = 1")
    assert len(rows) == final["total"] == snapshot["total"] + 2
    assert process.poll() is None
    log = stack.log_of(base)
    assert "database unavailable: GET" in log and "database unavailable (" in log
    print(f"\nFIGURES pg-outage[{server}]: outage={outage_seconds:.1f}s page=503 json=503 ws_vote=unavailable "
          f"recovered_in={recovered_after:.1f}s after start, server_restarts=0, ballots_after={len(rows)}")
