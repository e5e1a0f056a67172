"""Websocket rate limits (policies "ws_frame" per socket and "ws_vote" per account and per
address, counted in the process's memory): past a limit an error frame `rate_limited` with
`retry_after` (and the vote's ref), nothing stored; a socket that keeps flooding is closed
with 4429; other users' votes in the same process are still acknowledged."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from deliberation.debates.models import Ballot
from project.asgi import application
from tests.factories import CitizenFactory, open_pro_con_debate

from .helpers import ORIGIN, receive, session_cookie_for, ws_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

GENEROUS = "100000/minute"


def limit(settings, policy, *, account=GENEROUS, address=GENEROUS):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, policy: {"account": account, "address": address}}


@database_sync_to_async
def citizens(n):
    return CitizenFactory.create_batch(n)


@database_sync_to_async
def another_debate(agency):
    return open_pro_con_debate(agency=agency)


@database_sync_to_async
def pro(debate):
    return debate.options.get(kind="for").pk


@database_sync_to_async
def ballot_count(debate):
    return Ballot.objects.filter(debate=debate).count()


async def joined(debate, user=None, address="10.0.0.1"):
    headers = [*ORIGIN, await session_cookie_for(user)] if user is not None else ORIGIN
    communicator = WebsocketCommunicator(application, ws_path(debate), headers=headers)
    communicator.scope["client"] = (address, 40000)
    connected, _ = await communicator.connect()
    assert connected
    assert (await receive(communicator))["type"] == "hello"
    assert (await receive(communicator))["type"] == "tally"
    return communicator


async def replies(communicator, n, types=("pong", "error", "ack")):
    """The next n replies of the given types (tally broadcasts are skipped)."""
    got = []
    while len(got) < n:
        frame = await receive(communicator)
        if frame["type"] in types:
            got.append(frame)
    return got


async def vote(communicator, debate, ref):
    await communicator.send_to(text_data=json.dumps({"type": "vote", "ref": ref, "option": await pro(debate)}))


async def test_flooding_frames_get_rate_limited_error_frames(settings, debate):
    limit(settings, "ws_frame", account="5/minute")
    socket = await joined(debate)
    for i in range(8):
        await socket.send_to(text_data=json.dumps({"type": "ping", "echo": i}))
    frames = await replies(socket, 8)
    assert [f["type"] for f in frames] == ["pong"] * 5 + ["error"] * 3
    for frame in frames[5:]:
        assert frame["code"] == "rate_limited" and 1 <= frame["retry_after"] <= 60 and frame["message"]
    # Checked before parsing: a malformed frame is refused the same way, not answered as bad_frame.
    await socket.send_to(text_data="{not json")
    assert (await replies(socket, 1))[0]["code"] == "rate_limited"
    await socket.disconnect()


async def test_the_frame_limit_is_per_socket(settings, debate):
    limit(settings, "ws_frame", account="2/minute")
    first, second = await joined(debate), await joined(debate)
    for i in range(3):
        await first.send_to(text_data=json.dumps({"type": "ping", "echo": i}))
    assert [f["type"] for f in await replies(first, 3)] == ["pong", "pong", "error"]
    await second.send_to(text_data=json.dumps({"type": "ping", "echo": 9}))
    [pong] = await replies(second, 1)
    assert pong["type"] == "pong" and pong["echo"] == 9
    await first.disconnect()
    await second.disconnect()


async def test_votes_past_the_account_limit_are_refused_with_their_ref_and_not_stored(settings, debate, agency):
    limit(settings, "ws_vote", account="1/minute")
    [citizen, neighbour] = await citizens(2)
    other = await another_debate(agency)
    first = await joined(debate, citizen)
    await vote(first, debate, "a")
    assert (await replies(first, 1))[0]["type"] == "ack"
    second = await joined(other, citizen)  # another debate, another socket: the same account
    await vote(second, other, "b")
    [refused] = await replies(second, 1)
    assert refused["type"] == "error" and refused["code"] == "rate_limited" and refused["ref"] == "b"
    assert refused["retry_after"] >= 1
    assert await ballot_count(other) == 0
    # Another user in the same process, same address (a venue's Wi-Fi): still acknowledged.
    third = await joined(other, neighbour)
    await vote(third, other, "c")
    [ack] = await replies(third, 1)
    assert ack["type"] == "ack" and ack["ref"] == "c" and ack["ballot"] == await replies_ballot(other)
    for socket in (first, second, third):
        await socket.disconnect()


@database_sync_to_async
def replies_ballot(debate):
    return Ballot.objects.get(debate=debate).pk


async def test_votes_are_limited_per_address_too(settings, debate):
    limit(settings, "ws_vote", address="2/minute")
    voters = await citizens(4)
    sockets = [await joined(debate, voter) for voter in voters[:3]]
    results = []
    for i, socket in enumerate(sockets):
        await vote(socket, debate, i)
        results.append((await replies(socket, 1))[0])
    assert [r["type"] for r in results] == ["ack", "ack", "error"] and results[2]["code"] == "rate_limited"
    assert await ballot_count(debate) == 2
    elsewhere = await joined(debate, voters[3], address="10.0.0.2")
    await vote(elsewhere, debate, "x")
    assert (await replies(elsewhere, 1))[0]["type"] == "ack"
    for socket in [*sockets, elsewhere]:
        await socket.disconnect()


async def test_a_socket_that_keeps_flooding_is_closed_with_4429(settings, debate):
    limit(settings, "ws_frame", account="2/minute")
    settings.REALTIME_RATE_LIMIT_CLOSE_AFTER = 3
    flooder = await joined(debate)
    for i in range(20):
        await flooder.send_to(text_data=json.dumps({"type": "ping", "echo": i}))
    seen = []
    while True:
        output = await flooder.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            break
        frame = json.loads(output["text"])
        if frame["type"] in ("pong", "error"):
            seen.append(frame["type"])
    assert output["code"] == 4429
    assert seen == ["pong", "pong", "error", "error", "error"]  # nothing answered after the close


async def test_a_flood_from_one_account_does_not_stop_others_votes(settings, debate):
    """The flooder is refused per socket and per account; a second citizen's vote sent in the
    middle of the flood is acknowledged and stored."""
    limit(settings, "ws_frame", account="10/minute")
    settings.REALTIME_RATE_LIMIT_CLOSE_AFTER = 0  # keep the flooder's socket open for the whole flood
    [flooder_user, voter] = await citizens(2)
    flooder = await joined(debate, flooder_user)
    honest = await joined(debate, voter)
    for i in range(200):
        await vote(flooder, debate, f"f{i}")
    await vote(honest, debate, "h")
    [ack] = await replies(honest, 1)
    assert ack["type"] == "ack" and ack["ref"] == "h"
    flood = await replies(flooder, 200)
    assert sum(f["type"] == "error" and f["code"] == "rate_limited" for f in flood) == 190
    assert await ballot_count(debate) == 2  # the flooder's first vote and the honest one
    await flooder.disconnect()
    await honest.disconnect()


async def test_reconnects_past_the_connect_limit_get_an_error_frame_and_4429_and_others_still_join(settings, debate):
    limit(settings, "ws_connect", account="2/minute")
    flooder, other = await citizens(2)
    for _ in range(2):
        communicator = await joined(debate, flooder)
        await communicator.disconnect()
    headers = [*ORIGIN, await session_cookie_for(flooder)]
    third = WebsocketCommunicator(application, ws_path(debate), headers=headers)
    third.scope["client"] = ("10.0.0.1", 40000)
    await third.connect()
    refusal = await receive(third)
    assert refusal["type"] == "error" and refusal["code"] == "rate_limited" and refusal["retry_after"] >= 1
    assert (await third.receive_output(timeout=2)) == {"type": "websocket.close", "code": 4429}
    # No hello and no tally were sent to the refused socket; another account, same address, joins.
    bystander = await joined(debate, other)
    await bystander.disconnect()


async def test_the_connect_limit_per_address_counts_anonymous_viewers(settings, debate):
    limit(settings, "ws_connect", address="1/minute")
    first = await joined(debate, None, address="10.9.9.9")
    await first.disconnect()
    second = WebsocketCommunicator(application, ws_path(debate), headers=ORIGIN)
    second.scope["client"] = ("10.9.9.9", 40001)
    await second.connect()
    assert (await receive(second))["code"] == "rate_limited"
    elsewhere = await joined(debate, None, address="10.9.9.10")
    await elsewhere.disconnect()
