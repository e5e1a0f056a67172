"""Two server processes sharing the database and Redis: a ballot cast through one reaches a
viewer connected to the other. Needs Redis (REDIS_URL); CI always sets it."""

import asyncio
import json
import os

import pytest
import websockets

from .frames import next_frame

pytestmark = [
    pytest.mark.servers,
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis); CI sets it"),
]


def debate_path():
    return "/a/sisul/debates/1/"



@pytest.mark.parametrize("viewer_server", ["daphne", "uvicorn"])
async def test_a_ballot_through_one_process_reaches_a_viewer_on_the_other(server_stack, http_session, viewer_server):
    server_a = server_stack.start_server("daphne")
    server_b = server_stack.start_server(viewer_server)
    ws_url = server_b.replace("http", "ws") + "/ws" + debate_path()
    async with websockets.connect(ws_url, origin=server_b) as viewer:
        snapshot = await next_frame(viewer, lambda f: f["type"] == "tally")
        assert snapshot["total"] == 0
        voter = http_session(server_a).login("citizen")
        option = next(o for o in snapshot["options"] if o["kind"] == "against")
        status, body = await asyncio.to_thread(
            voter.post_json, debate_path() + "ballot.json", json.dumps({"option": option["id"]}).encode())
        assert status == 201, body
        update = await next_frame(viewer, lambda f: f["type"] == "tally" and f["total"] == 1)
        assert {o["kind"]: o["count"] for o in update["options"]}["against"] == 1
        assert update["seq"] > snapshot["seq"]

        # The second ballot of the same citizen, through the other process: refused, nothing moves.
        voter_b = http_session(server_b).login("citizen")
        status, body = await asyncio.to_thread(
            voter_b.post_json, debate_path() + "ballot.json", json.dumps({"option": option["id"]}).encode())
        assert status == 409 and json.loads(body)["error"]["code"] == "already_voted"
        await viewer.send(json.dumps({"type": "resync"}))
        resync = await next_frame(viewer, lambda f: f["type"] == "tally")
        assert resync["total"] == 1
