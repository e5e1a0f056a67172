"""The debate channel through channels.testing, on the project's full ASGI stack (origin check,
session auth, router). Ballots are cast through the service, as a view would."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from deliberation.debates.services import cast_ballot
from project.asgi import application
from tests.factories import CitizenFactory, open_pro_con_debate

from .helpers import connect, receive, ws_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def vote(debate, kind, citizen=None):
    option = debate.options.get(kind=kind)
    return cast_ballot(debate=debate, citizen=citizen or CitizenFactory(), option_id=option.pk)


@database_sync_to_async
def new_debate(agency):
    return open_pro_con_debate(agency=agency)


def counts(frame):
    return {o["kind"]: o["count"] for o in frame["options"]}


async def test_a_viewer_gets_hello_then_a_snapshot(debate):
    await vote(debate, "against")
    viewer = await connect(ws_path(debate))
    hello = await receive(viewer)
    assert hello["type"] == "hello" and hello["v"] == 1 and "server_time" in hello
    snapshot = await receive(viewer)
    assert snapshot["type"] == "tally" and snapshot["debate"] == debate.pk
    assert counts(snapshot) == {"for": 0, "against": 1, "other": 0} and snapshot["total"] == 1
    assert snapshot["status"] == "in_progress" and snapshot["closes_at"]
    await viewer.disconnect()


async def test_a_vote_reaches_every_viewer_with_a_higher_seq(debate):
    viewers = [await connect(ws_path(debate)) for _ in range(3)]
    snapshots = [(await receive(v), await receive(v))[1] for v in viewers]
    await vote(debate, "for")
    for viewer, snapshot in zip(viewers, snapshots):
        update = await receive(viewer)
        assert counts(update)["for"] == 1 and update["total"] == 1
        assert update["seq"] > snapshot["seq"]
        await viewer.disconnect()


async def test_votes_in_one_tick_are_coalesced_into_one_frame(debate, settings):
    viewer = await connect(ws_path(debate))
    await receive(viewer), await receive(viewer)
    for _ in range(5):
        await vote(debate, "for")
    frames = []
    while not frames or frames[-1]["total"] < 5:
        frames.append(await receive(viewer))
    assert len(frames) < 5, "five ballots in one tick must not cost five frames"
    assert counts(frames[-1])["for"] == 5
    assert [f["seq"] for f in frames] == sorted({f["seq"] for f in frames})
    await viewer.disconnect()


async def test_no_message_for_another_debates_vote(debate):
    other = await new_debate(debate.agency)
    viewer = await connect(ws_path(debate))
    await receive(viewer), await receive(viewer)
    await vote(other, "for")
    await asyncio.sleep(0.3)
    assert await viewer.receive_nothing(timeout=0.3)
    await viewer.disconnect()


async def test_a_foreign_origin_is_refused(debate):
    communicator = WebsocketCommunicator(
        application, ws_path(debate), headers=[(b"origin", b"http://evil.example"), (b"host", b"testserver")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_debate_of_another_agency_is_not_found_on_this_site(debate, other_agency):
    viewer = await connect(f"/ws/a/{other_agency.slug}/debates/{debate.pk}/")
    frame = await receive(viewer)
    assert frame == {"type": "error", "code": "not_found", "message": frame["message"]}
    assert (await viewer.receive_output(timeout=1))["type"] == "websocket.close"


@pytest.mark.parametrize("frame", ["not json", "[1]", '{"type": "drop_tables"}', "x" * 10000])
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_usable(debate, frame):
    viewer = await connect(ws_path(debate))
    await receive(viewer), await receive(viewer)
    await viewer.send_to(text_data=frame)
    error = await receive(viewer)
    assert error["type"] == "error" and error["code"] and error["message"]
    await viewer.send_to(text_data=json.dumps({"type": "ping", "echo": 7}))
    assert (await receive(viewer))["echo"] == 7
    await viewer.disconnect()


async def test_binary_frames_get_an_error_frame(debate):
    viewer = await connect(ws_path(debate))
    await receive(viewer), await receive(viewer)
    await viewer.send_to(bytes_data=b"\x81\x00")
    assert (await receive(viewer))["code"] == "bad_frame"
    await viewer.disconnect()


async def test_resync_sends_a_fresh_snapshot(debate):
    viewer = await connect(ws_path(debate))
    await receive(viewer), await receive(viewer)
    await vote(debate, "other")
    await receive(viewer)
    await viewer.send_to(text_data='{"type": "resync"}')
    snapshot = await receive(viewer)
    assert snapshot["type"] == "tally" and counts(snapshot)["other"] == 1
    await viewer.disconnect()
