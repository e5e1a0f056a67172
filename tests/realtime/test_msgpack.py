"""msgpack as an alternative codec, chosen by websocket subprotocol: the same message objects
in binary frames, the same limits and validation, and one encoding per codec per publish."""

import asyncio
import json

import msgpack
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from deliberation.debates.models import Ballot
from project.asgi import application
from realtime import protocol
from realtime.registry import (
    AsgiSocket,
    BinaryAsgiSocket,
    BinaryPrebuiltFrameSocket,
    LocalRegistry,
    PrebuiltFrameSocket,
)
from realtime.wire import binary_frame, text_frame
from tests.factories import CitizenFactory

from .helpers import ORIGIN, receive, session_cookie_for, ws_path

db = pytest.mark.django_db(transaction=True)

MSGPACK = protocol.SUBPROTOCOL_MSGPACK


async def open_socket(path, *, subprotocols=None, user=None):
    headers = list(ORIGIN)
    if user is not None:
        headers.append(await session_cookie_for(user))
    communicator = WebsocketCommunicator(application, path, headers=headers, subprotocols=subprotocols)
    connected, chosen = await communicator.connect()
    assert connected
    return communicator, chosen


async def receive_packed(communicator, timeout=2):
    """One server frame from a msgpack socket: it must be binary."""
    message = await communicator.receive_output(timeout)
    assert message["type"] == "websocket.send", message
    assert message.get("text") is None and isinstance(message.get("bytes"), bytes), message
    return msgpack.unpackb(message["bytes"], raw=False)


async def receive_until(receiver, communicator, wanted):
    while True:
        frame = await receiver(communicator)
        if frame["type"] == wanted:
            return frame


@database_sync_to_async
def citizen():
    return CitizenFactory()


@database_sync_to_async
def option_id(debate, kind):
    return debate.options.get(kind=kind).pk


@database_sync_to_async
def ballots(debate):
    return list(Ballot.objects.filter(debate=debate).values_list("citizen_id", "option__kind"))


# --- negotiation ----------------------------------------------------------------------------
@db
@pytest.mark.parametrize(
    "offered,chosen",
    [(None, None), ([], None), (["deliberation.v1.json"], "deliberation.v1.json"), ([MSGPACK], MSGPACK),
     ([MSGPACK, "deliberation.v1.json"], MSGPACK), (["deliberation.v1.json", MSGPACK], "deliberation.v1.json"),
     (["chat", MSGPACK], MSGPACK), (["chat"], None)],
)
async def test_the_server_answers_with_the_first_subprotocol_it_speaks(debate, offered, chosen):
    communicator, answered = await open_socket(ws_path(debate), subprotocols=offered)
    assert answered == chosen
    if chosen == MSGPACK:
        assert (await receive_packed(communicator))["type"] == "hello"
    else:  # JSON text frames, as browsers that offer nothing have always had
        assert (await receive(communicator))["type"] == "hello"
    await communicator.disconnect()


# --- the same objects in both codecs --------------------------------------------------------
@db
async def test_a_msgpack_client_gets_the_same_messages_as_a_json_client_in_the_same_group(debate):
    voter = await citizen()
    as_json, _ = await open_socket(ws_path(debate))
    packed, _ = await open_socket(ws_path(debate), subprotocols=[MSGPACK], user=voter)

    hello_json, hello_packed = await receive(as_json), await receive_packed(packed)
    for hello in (hello_json, hello_packed):
        hello.pop("server_time")
    assert hello_json == hello_packed == {"type": "hello", "v": 1, "topic": f"debate.{debate.pk}"}
    snapshot_json, snapshot_packed = await receive(as_json), await receive_packed(packed)
    assert snapshot_json["type"] == "tally" and snapshot_packed == snapshot_json

    # A vote in msgpack: acknowledged in msgpack, stored, and the tally reaches both codecs.
    await packed.send_to(bytes_data=msgpack.packb({"type": "vote", "ref": "m1", "option": await option_id(debate, "for")}))
    ack = await receive_until(receive_packed, packed, "ack")
    assert ack["ref"] == "m1" and isinstance(ack["ballot"], int)
    assert await ballots(debate) == [(voter.pk, "for")]
    tally_json = await receive_until(receive, as_json, "tally")
    tally_packed = await receive_until(receive_packed, packed, "tally")
    assert tally_packed == tally_json and tally_json["total"] == 1 and tally_json["watermark"] >= ack["ballot"]

    # Errors and pongs: the same objects.
    await as_json.send_to(text_data=json.dumps({"type": "nope"}))
    await packed.send_to(bytes_data=msgpack.packb({"type": "nope"}))
    error_json, error_packed = await receive(as_json), await receive_packed(packed)
    assert error_packed == error_json and error_json["type"] == "error" and error_json["code"] == "unknown_type"
    await packed.send_to(bytes_data=msgpack.packb({"type": "ping", "echo": "e"}))
    pong = await receive_packed(packed)
    assert pong["type"] == "pong" and pong["echo"] == "e"

    # resync: a fresh snapshot from rows, in msgpack.
    await packed.send_to(bytes_data=msgpack.packb({"type": "resync"}))
    assert (await receive_packed(packed))["type"] == "tally"
    await as_json.disconnect()
    await packed.disconnect()


@db
async def test_a_refused_msgpack_socket_hears_why_in_msgpack(debate, other_agency):
    path = f"/ws/a/{other_agency.slug}/debates/{debate.pk}/"
    communicator, _ = await open_socket(path, subprotocols=[MSGPACK])
    error = await receive_packed(communicator)
    assert error["type"] == "error" and error["code"] == "not_found"
    assert (await communicator.receive_output(2)) == {"type": "websocket.close", "code": 4404}


@db
@pytest.mark.parametrize(
    "data,code",
    [
        (msgpack.packb({"type": "vote", "ref": "r", "option": 1, "pad": "x" * 5000}), "too_large"),
        (b"\xc1garbage", "bad_msgpack"),
        (msgpack.packb({"type": "ping"}) + b"\x00", "bad_msgpack"),  # trailing bytes
        (msgpack.packb([1, 2]), "bad_frame"),
        (msgpack.packb({"type": 5}), "bad_frame"),
        (msgpack.packb({"type": "vote", "ref": "r", "option": msgpack.ExtType(1, b"x")}), "bad_msgpack"),
        (msgpack.packb({"type": "vote", "ref": "r", "option": b"\x01"}, use_bin_type=True), "bad_msgpack"),
        (msgpack.packb({b"type": "vote"}, use_bin_type=True), "bad_msgpack"),
        (b"\x91" * 3000 + b"\x90", "bad_msgpack"),  # nested too deep
    ],
)
async def test_a_bad_msgpack_frame_gets_an_error_frame_and_changes_nothing(debate, data, code):
    voter = await citizen()
    communicator, _ = await open_socket(ws_path(debate), subprotocols=[MSGPACK], user=voter)
    await receive_packed(communicator), await receive_packed(communicator)
    await communicator.send_to(bytes_data=data)
    error = await receive_packed(communicator)
    assert error["type"] == "error" and error["code"] == code
    assert await ballots(debate) == []
    await communicator.send_to(bytes_data=msgpack.packb({"type": "ping", "echo": 1}))  # still usable
    assert (await receive_packed(communicator))["type"] == "pong"
    await communicator.disconnect()


@db
async def test_codecs_do_not_mix_on_one_socket(debate):
    packed, _ = await open_socket(ws_path(debate), subprotocols=[MSGPACK])
    await receive_packed(packed), await receive_packed(packed)
    await packed.send_to(text_data=json.dumps({"type": "ping"}))
    assert (await receive_packed(packed))["code"] == "bad_frame"

    as_json, _ = await open_socket(ws_path(debate), subprotocols=["deliberation.v1.json"])
    await receive(as_json), await receive(as_json)
    await as_json.send_to(bytes_data=msgpack.packb({"type": "ping"}))
    assert (await receive(as_json))["code"] == "bad_frame"
    await packed.disconnect()
    await as_json.disconnect()


def test_the_size_limit_and_validation_are_the_same_for_both_codecs():
    for empty in (b"", None):
        with pytest.raises(protocol.ProtocolError, match="Empty"):
            protocol.parse_client_frame(None, empty, binary=True)
    ok = {"type": "vote", "ref": "r", "option": 3, "answers": {"5": [21, 22]}}
    assert protocol.parse_client_frame(None, msgpack.packb(ok), binary=True) == protocol.parse_client_frame(json.dumps(ok))
    padded = {"type": "ping", "pad": "x" * (protocol.MAX_CLIENT_FRAME_BYTES - 30)}
    for size_ok in (True, False):
        text, data = json.dumps(padded), msgpack.packb(padded)
        for parse in (lambda: protocol.parse_client_frame(text), lambda: protocol.parse_client_frame(None, data, binary=True)):
            if size_ok:
                assert parse().type == "ping"
            else:
                with pytest.raises(protocol.ProtocolError, match="limited"):
                    parse()
        padded["pad"] += "x" * 40


# --- fan-out: one encoding per codec in use -------------------------------------------------
class Collector:
    def __init__(self):
        self.sent = []

    async def send(self, message):
        self.sent.append(message)


class FakePrebuilt:
    def __init__(self):
        self.wire = []
        self.writable = asyncio.Event()
        self.writable.set()

    def write(self, frame):
        self.wire.append(frame)
        return True

    def extension(self):
        return {"write": self.write, "wait_writable": self.writable.wait}


def count_conversions(monkeypatch):
    from realtime import registry

    calls = []
    real = registry.json_to_msgpack

    def counted(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(registry, "json_to_msgpack", counted)
    return calls


async def test_a_group_without_msgpack_sockets_never_builds_msgpack(monkeypatch):
    calls = count_conversions(monkeypatch)
    registry = LocalRegistry()
    sockets = [Collector() for _ in range(5)]
    for s in sockets:
        registry.add("debate.1", s, AsgiSocket(s.send))
    await registry.deliver("debate.1", '{"type":"tally","seq":1}')
    assert calls == []
    assert all(s.sent == [{"type": "websocket.send", "text": '{"type":"tally","seq":1}'}] for s in sockets)


async def test_a_mixed_group_encodes_each_codec_once_per_frame_on_both_write_paths(monkeypatch):
    calls = count_conversions(monkeypatch)
    registry = LocalRegistry()
    text = '{"type":"tally","seq":2,"options":[{"label":"찬성","count":1}]}'
    packed = msgpack.packb(json.loads(text))
    asgi_json, asgi_bin = [Collector() for _ in range(3)], [Collector() for _ in range(3)]
    pre_json, pre_bin = [FakePrebuilt() for _ in range(3)], [FakePrebuilt() for _ in range(3)]
    for s in asgi_json:
        registry.add("g", s, AsgiSocket(s.send))
    for s in asgi_bin:
        registry.add("g", s, BinaryAsgiSocket(s.send))
    for s in pre_json:
        registry.add("g", s, PrebuiltFrameSocket(s.extension()))
    for s in pre_bin:
        registry.add("g", s, BinaryPrebuiltFrameSocket(s.extension()))
    await registry.deliver("g", text)
    assert calls == [text]  # once, for the six binary sockets
    assert all(s.sent == [{"type": "websocket.send", "text": text}] for s in asgi_json)
    assert all(s.sent == [{"type": "websocket.send", "bytes": packed}] for s in asgi_bin)
    assert all(s.wire == [text_frame(text)] for s in pre_json)
    assert all(s.wire == [binary_frame(packed)] for s in pre_bin)
    # The same bytes object for every socket: built once, not per socket.
    assert len({id(s.wire[0]) for s in pre_bin}) == 1 and len({id(s.sent[0]["bytes"]) for s in asgi_bin}) == 1
    # The kept frame serves a later msgpack snapshot without converting again.
    assert registry.latest_frame("g").build_binary().packed == packed and calls == [text]


async def test_the_binary_count_follows_leaves_and_a_json_only_group_stops_converting(monkeypatch):
    calls = count_conversions(monkeypatch)
    registry = LocalRegistry()
    j, b = Collector(), Collector()
    registry.add("g", j, AsgiSocket(j.send))
    registry.add("g", b, BinaryAsgiSocket(b.send))
    registry.remove("g", b)
    await registry.deliver("g", '{"type":"tally","seq":3}')
    assert calls == [] and b.sent == []


def test_binary_frames_decode_as_binary_messages_for_a_real_client():
    import wsproto
    from wsproto.events import AcceptConnection, BytesMessage, Request

    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="example.org", target="/ws", subprotocols=[MSGPACK])))
    next(server.events())
    client.receive_data(server.send(AcceptConnection(subprotocol=MSGPACK)))
    next(client.events())
    payloads = [b"", b"\x81\xa4type\xa4ping", b"y" * 126, b"z" * 70000]
    client.receive_data(b"".join(binary_frame(p) for p in payloads))
    got = [bytes(e.data) for e in client.events() if isinstance(e, BytesMessage)]
    assert got == payloads
