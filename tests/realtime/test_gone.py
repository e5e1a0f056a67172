"""A topic that stops being visible (a debate hidden or trashed, a proposal trashed or made
private) ends every socket open on it: a final `gone` frame, then close 4404. The domain only
announces the change; the selector returning nothing is what realtime reads as "gone"."""

import asyncio
import json

import msgpack
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings

from deliberation.debates import admin_services as debate_admin
from deliberation.proposals import admin_services as proposal_admin
from project.asgi import application
from realtime import protocol
from realtime.fanout import RedisFanout
from tests.factories import agency_admin, given_proposal

from .helpers import ORIGIN, connect, receive, ws_path

pytestmark = [pytest.mark.django_db(transaction=True)]


@database_sync_to_async
def act_on_debate(debate, action):
    admin = agency_admin(debate.agency)
    assert debate_admin.apply_debate_action(actor=admin, debate_ids=[debate.pk], action=action) == (1, 0)


@database_sync_to_async
def act_on_proposal(proposal, action):
    admin = agency_admin(proposal.agency)
    assert proposal_admin.apply_bulk_action(actor=admin, proposal_ids=[proposal.pk], action=action) == (1, 0)


@database_sync_to_async
def new_proposal(agency):
    return given_proposal(agency=agency)


async def expect_gone(communicator, group, *, packed=False):
    """Skips frames until `gone`, which must be followed by the close 4404 and nothing else."""
    while True:
        message = await communicator.receive_output(3)
        assert message["type"] == "websocket.send", message
        frame = msgpack.unpackb(message["bytes"]) if packed else json.loads(message["text"])
        if frame["type"] == "gone":
            break
    assert frame == {"type": "gone", "code": "not_found", "topic": group, "message": frame["message"]}
    assert await communicator.receive_output(3) == {"type": "websocket.close", "code": 4404}


async def skip_greeting(communicator, *, packed=False):
    for _ in range(2):
        message = await communicator.receive_output(3)
        assert message["type"] == "websocket.send"


@pytest.mark.parametrize("action", ["hide", "trash"])
async def test_a_debate_hidden_or_trashed_by_its_admin_ends_every_socket_with_gone(debate, action):
    viewers = [await connect(ws_path(debate)) for _ in range(3)]
    packed = WebsocketCommunicator(application, ws_path(debate), headers=ORIGIN,
                                   subprotocols=[protocol.SUBPROTOCOL_MSGPACK])
    assert (await packed.connect())[0]
    for viewer in viewers:
        await skip_greeting(viewer)
    await skip_greeting(packed)
    city_list = await connect(f"/ws/a/{debate.agency.slug}/debates/")
    await receive(city_list), await receive(city_list)

    await act_on_debate(debate, action)

    for viewer in viewers:
        await expect_gone(viewer, f"debate.{debate.pk}")
    await expect_gone(packed, f"debate.{debate.pk}", packed=True)
    # The site's debate list is still there: it gets a summary without the debate, not gone.
    summary = await receive(city_list, timeout=3)
    assert summary["type"] == "debate_summary" and str(debate.pk) not in summary["debates"]
    await city_list.disconnect()


async def test_a_join_admitted_from_the_cache_after_the_debate_went_gets_gone_at_once(debate):
    viewer = await connect(ws_path(debate))  # admission now remembered for 5 s: "visible"
    await skip_greeting(viewer)
    await act_on_debate(debate, "hide")
    await expect_gone(viewer, f"debate.{debate.pk}")

    late = await connect(ws_path(debate))
    assert (await receive(late))["type"] == "hello"
    await expect_gone(late, f"debate.{debate.pk}")


async def test_an_unhidden_debate_is_live_again(debate):
    viewer = await connect(ws_path(debate))
    await skip_greeting(viewer)
    await act_on_debate(debate, "hide")
    await expect_gone(viewer, f"debate.{debate.pk}")
    await act_on_debate(debate, "unhide")
    again = await connect(ws_path(debate))
    assert (await receive(again))["type"] == "hello"
    assert (await receive(again))["type"] == "tally"
    await again.disconnect()


@pytest.mark.parametrize("action", ["trash", "make_private"])
async def test_a_proposal_trashed_or_made_private_ends_its_sockets_with_gone(agency, action):
    proposal = await new_proposal(agency)
    detail = await connect(f"/ws/proposals/{proposal.pk}/")  # on the city's site
    on_agency_site = await connect(f"/ws/a/{agency.slug}/proposals/{proposal.pk}/")
    comments = await connect(f"/ws/proposals/{proposal.pk}/comments/")
    site_list = await connect(f"/ws/a/{agency.slug}/proposals/")
    for communicator in (detail, on_agency_site, comments, site_list):
        await skip_greeting(communicator)

    await act_on_proposal(proposal, action)

    await expect_gone(detail, f"proposal.{proposal.pk}")
    await expect_gone(on_agency_site, f"proposal.{proposal.pk}")
    await expect_gone(comments, f"comments.{proposal.pk}")
    counts = await receive(site_list, timeout=3)
    assert counts["type"] == "proposal_counts" and str(proposal.pk) not in counts["proposals"]
    await site_list.disconnect()


class FakeConsumer:
    """A socket held by another server process: only what the fan-out needs of a consumer."""

    def __init__(self, *, binary=False):
        self.scope = {}
        self.binary = binary
        self.sent = []

    async def base_send(self, message):
        self.sent.append(message)


@pytest.mark.redis
async def test_under_redis_gone_reaches_and_closes_sockets_in_another_process(debate):
    if not django_settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    group = f"debate.{debate.pk}"
    other_process = RedisFanout(django_settings.REDIS_URL)
    as_json, as_msgpack = FakeConsumer(), FakeConsumer(binary=True)
    await other_process.join(group, as_json)
    await other_process.join(group, as_msgpack)
    viewer = await connect(ws_path(debate))  # this process's own socket
    await skip_greeting(viewer)
    try:
        await act_on_debate(debate, "trash")
        await expect_gone(viewer, group)
        async with asyncio.timeout(3):
            while len(as_json.sent) < 2 or len(as_msgpack.sent) < 2:
                await asyncio.sleep(0.02)
        gone = as_json.sent[-2]
        assert json.loads(gone["text"])["type"] == "gone" and as_json.sent[-1] == {"type": "websocket.close", "code": 4404}
        assert msgpack.unpackb(as_msgpack.sent[-2]["bytes"]) == json.loads(gone["text"])
        assert as_msgpack.sent[-1] == {"type": "websocket.close", "code": 4404}
        assert not other_process.registry.has_members(group)
    finally:
        if other_process._listener is not None:
            other_process._listener.cancel()
        await other_process._pubsub.aclose()
        await other_process._client.aclose()


def test_gone_frames_are_recognised_without_parsing():
    text = protocol.encode(protocol.gone(topic="debate.1"))
    assert protocol.is_gone(text) and text.startswith(protocol.GONE_PREFIX)
    assert not protocol.is_gone(protocol.encode(protocol.tally(seq=1, state={"gone": True})))
    assert not protocol.is_gone(protocol.encode(protocol.error(code="gone", message="x")))


async def test_the_naive_comparison_mode_also_ends_sockets_with_gone(settings, debate):
    settings.REALTIME_MODE = "naive"
    from realtime.publisher import reset_publisher

    reset_publisher()
    viewer = await connect(ws_path(debate))
    await skip_greeting(viewer)
    await act_on_debate(debate, "hide")
    await expect_gone(viewer, f"debate.{debate.pk}")


class SlowPrebuilt:
    """A prebuilt-frames server whose reader is slow until `writable` is set."""

    def __init__(self):
        self.events = []
        self.writable = asyncio.Event()

    def write(self, frame):
        if not self.writable.is_set():
            return False
        self.events.append(("frame", frame))
        return True

    async def close(self, code):
        self.events.append(("close", code))


async def test_a_slow_reader_gets_gone_instead_of_its_pending_frame_and_then_the_close():
    from realtime.registry import LocalRegistry, PrebuiltFrameSocket
    from realtime.wire import text_frame

    registry = LocalRegistry()
    slow = SlowPrebuilt()
    registry.add("debate.1", slow, PrebuiltFrameSocket({"write": slow.write, "wait_writable": slow.writable.wait},
                                                       slow.close))
    await registry.deliver("debate.1", '{"type":"tally","seq":1}')
    await registry.deliver("debate.1", '{"type":"tally","seq":2}')
    gone = protocol.encode(protocol.gone(topic="debate.1"))
    await registry.deliver("debate.1", gone)
    assert not registry.has_members("debate.1") and registry.latest("debate.1") is None
    assert await registry.deliver("debate.1", '{"type":"tally","seq":3}') == 0  # nobody left
    assert slow.events == []
    slow.writable.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert slow.events == [("frame", text_frame(gone)), ("close", 4404)]


async def test_the_msgpack_count_survives_a_key_rejoining_with_another_codec():
    from realtime.registry import AsgiSocket, BinaryAsgiSocket, LocalRegistry

    sent = []

    async def send(message):
        sent.append(message)

    registry = LocalRegistry()
    registry.add("g", "a", BinaryAsgiSocket(send))
    registry.add("g", "a", AsgiSocket(send))  # the same key again, now JSON
    registry.remove("g", "missing")
    assert registry._binary["g"] == 0
    await registry.deliver("g", '{"type":"tally","seq":1}')
    assert sent == [{"type": "websocket.send", "text": '{"type":"tally","seq":1}'}]
    registry.remove("g", "a")
    assert "g" not in registry._binary
