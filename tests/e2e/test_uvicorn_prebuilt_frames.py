"""The production server (uvicorn + the prebuilt-frame protocol) on the embedded default:
viewers get valid frames through the fast path, and votes on the socket are acknowledged."""

import json

import pytest
import websockets

from .frames import next_frame

pytestmark = pytest.mark.servers


async def test_uvicorn_viewers_see_votes_cast_on_a_socket(server_stack, http_session):
    base = server_stack.start_server("uvicorn")
    ws_url = base.replace("http", "ws") + "/ws/a/sisul/debates/1/"
    session = http_session(base).login("citizen")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.jar)
    viewers = [await websockets.connect(ws_url, origin=base) for _ in range(5)]
    async with websockets.connect(ws_url, origin=base, additional_headers={"Cookie": cookie}) as voter:
        snapshot = await next_frame(voter, lambda f: f["type"] == "tally")
        option = next(o for o in snapshot["options"] if o["kind"] == "for")
        await voter.send(json.dumps({"type": "vote", "ref": "v1", "option": option["id"]}))
        ack = await next_frame(voter, lambda f: f["type"] in ("ack", "error"))
        assert ack["type"] == "ack" and ack["ref"] == "v1"
        for viewer in viewers:
            seen = await next_frame(viewer, lambda f: f["type"] == "tally" and f["watermark"] >= ack["ballot"])
            assert seen["total"] == 1
        await voter.send(json.dumps({"type": "vote", "ref": "v2", "option": option["id"]}))
        again = await next_frame(voter, lambda f: f["type"] in ("ack", "error"))
        assert again["code"] == "already_voted" and again["ref"] == "v2"
    for viewer in viewers:
        await viewer.close()


async def next_packed(ws, predicate, timeout=5.0):
    """The next msgpack frame (it must arrive as a binary websocket message)."""
    import asyncio

    import msgpack

    async with asyncio.timeout(timeout):
        while True:
            data = await ws.recv()
            assert isinstance(data, bytes), data
            frame = msgpack.unpackb(data, raw=False)
            if predicate(frame):
                return frame


async def test_uvicorn_msgpack_sockets_get_binary_frames_on_the_fast_path(server_stack, http_session):
    import msgpack

    base = server_stack.start_server("uvicorn")
    ws_url = base.replace("http", "ws") + "/ws/a/sisul/debates/1/"
    session = http_session(base).login("citizen")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.jar)
    as_json = await websockets.connect(ws_url, origin=base)
    async with websockets.connect(ws_url, origin=base, additional_headers={"Cookie": cookie},
                                  subprotocols=["deliberation.v1.msgpack"]) as voter:
        assert voter.subprotocol == "deliberation.v1.msgpack"
        snapshot = await next_packed(voter, lambda f: f["type"] == "tally")
        option = next(o for o in snapshot["options"] if o["kind"] == "for")
        await voter.send(msgpack.packb({"type": "vote", "ref": "m1", "option": option["id"]}))
        ack = await next_packed(voter, lambda f: f["type"] in ("ack", "error"))
        assert ack["type"] == "ack" and ack["ref"] == "m1"
        packed = await next_packed(voter, lambda f: f["type"] == "tally" and f["watermark"] >= ack["ballot"])
        text = await next_frame(as_json, lambda f: f["type"] == "tally" and f["watermark"] >= ack["ballot"])
        assert packed == text
    await as_json.close()
