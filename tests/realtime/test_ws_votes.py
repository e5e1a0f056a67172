"""Ballots over the websocket: acknowledged only after commit, group-committed, refused
with an error frame carrying the client's ref."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async

from deliberation.debates.models import Ballot
from tests.factories import CitizenFactory

from .helpers import connect_and_skip_greeting, receive, ws_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def citizens(n):
    return CitizenFactory.create_batch(n)


@database_sync_to_async
def option_id(debate, kind):
    return debate.options.get(kind=kind).pk


@database_sync_to_async
def ballots(debate):
    return list(Ballot.objects.filter(debate=debate).values_list("citizen_id", "option__kind"))


async def test_an_acknowledged_vote_is_a_committed_row(debate):
    [citizen] = await citizens(1)
    voter = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    await voter.send_to(text_data=json.dumps({"type": "vote", "ref": "r1", "option": await option_id(debate, "for")}))
    frames = [await receive(voter), await receive(voter)]
    ack = next(f for f in frames if f["type"] == "ack")
    assert ack["ref"] == "r1" and ack["ballot"]
    assert await ballots(debate) == [(citizen.pk, "for")]
    tally = next(f for f in frames if f["type"] == "tally")
    assert tally["watermark"] >= ack["ballot"] and tally["total"] == 1
    await voter.disconnect()


async def test_a_second_vote_on_the_socket_is_refused_with_its_ref(debate):
    [citizen] = await citizens(1)
    voter = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    for_ = await option_id(debate, "for")
    await voter.send_to(text_data=json.dumps({"type": "vote", "ref": 1, "option": for_}))
    await voter.send_to(text_data=json.dumps({"type": "vote", "ref": 2, "option": for_}))
    replies = {}
    while len(replies) < 2:
        frame = await receive(voter)
        if frame["type"] in ("ack", "error"):
            replies[frame["ref"]] = frame
    assert replies[1]["type"] == "ack"
    assert replies[2] == {"type": "error", "code": "already_voted", "message": replies[2]["message"], "ref": 2}
    assert len(await ballots(debate)) == 1
    await voter.disconnect()


@pytest.mark.parametrize(
    "payload,code",
    [({"option": "x"}, "unknown_option"), ({}, "unknown_option"), ({"option": 10**9}, "unknown_option"),
     ({"option": 1, "other_text": ["x"]}, "invalid"), ({"option": 1, "ref": {"a": 1}}, "bad_frame")],
)
async def test_bad_votes_get_an_error_frame_and_store_nothing(debate, payload, code):
    [citizen] = await citizens(1)
    voter = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    if payload.get("option") == 1:
        payload["option"] = await option_id(debate, "other")
    await voter.send_to(text_data=json.dumps({"type": "vote", "ref": payload.pop("ref", "r"), **payload}))
    frame = await receive(voter)
    assert frame["type"] == "error" and frame["code"] == code
    assert await ballots(debate) == []
    await voter.disconnect()


async def test_an_anonymous_viewer_cannot_vote(debate):
    viewer = await connect_and_skip_greeting(ws_path(debate))
    await viewer.send_to(text_data=json.dumps({"type": "vote", "ref": "a", "option": await option_id(debate, "for")}))
    frame = await receive(viewer)
    assert frame["code"] == "not_authenticated" and frame["ref"] == "a"
    assert await ballots(debate) == []
    await viewer.disconnect()


async def test_many_voters_at_once_are_group_committed_and_all_acknowledged(debate, settings):
    settings.BALLOT_COMMIT_WINDOW_SECONDS = 0.02
    people = await citizens(12)
    voters = [await connect_and_skip_greeting(ws_path(debate), user=p) for p in people]
    for_ = await option_id(debate, "for")
    for i, voter in enumerate(voters):
        await voter.send_to(text_data=json.dumps({"type": "vote", "ref": i, "option": for_}))

    async def ack_of(voter):
        while True:
            frame = await receive(voter, timeout=5)
            if frame["type"] == "ack":
                return frame

    acks = await asyncio.gather(*(ack_of(v) for v in voters))
    assert sorted(a["ref"] for a in acks) == list(range(12))
    assert len({a["ballot"] for a in acks}) == 12
    assert len(await ballots(debate)) == 12
    from realtime.consumers import ballot_committer

    assert ballot_committer().batches < 12, "ballots arriving together share a transaction"
    for voter in voters:
        await voter.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_vote_while_the_database_is_unreachable_gets_an_error_frame_and_no_ack(monkeypatch):
    """The group commit fails with a lost connection: `unavailable`, the socket stays open,
    and the next vote, once the database answers again, is stored and acknowledged."""
    import psycopg
    from django.db import OperationalError

    from realtime import consumers
    from tests.factories import CitizenFactory, open_pro_con_debate
    from tests.realtime.helpers import connect_and_skip_greeting, receive, ws_path

    debate = await database_sync_to_async(open_pro_con_debate)()
    citizen = await database_sync_to_async(CitizenFactory)()
    option = await database_sync_to_async(lambda: debate.options.first().pk)()
    real = consumers.cast_ballots

    def lost(**kwargs):
        try:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        except psycopg.OperationalError as exc:
            raise OperationalError(str(exc)) from exc

    monkeypatch.setattr(consumers, "cast_ballots", lost)
    consumers._ballot_committer = None
    voter = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    await voter.send_json_to({"type": "vote", "option": option, "ref": "r1"})
    frame = await receive(voter, timeout=5)
    assert frame == {"type": "error", "code": "unavailable", "ref": "r1", "message": frame["message"]}
    assert not await database_sync_to_async(Ballot.objects.filter(debate=debate).exists)()
    monkeypatch.setattr(consumers, "cast_ballots", real)
    await voter.send_json_to({"type": "vote", "option": option, "ref": "r2"})
    frame = await receive(voter, timeout=5)
    while frame["type"] == "tally":
        frame = await receive(voter, timeout=5)
    assert frame["type"] == "ack" and frame["ref"] == "r2"
    assert await database_sync_to_async(Ballot.objects.filter(debate=debate).count)() == 1
    await voter.disconnect()


async def test_a_socket_opened_while_the_database_is_unreachable_gets_unavailable_and_1013(monkeypatch):
    import psycopg
    from django.db import OperationalError

    from realtime import admission
    from tests.factories import open_pro_con_debate
    from tests.realtime.helpers import connect

    debate = await database_sync_to_async(open_pro_con_debate)()

    async def refused(**kwargs):
        try:
            raise psycopg.OperationalError("connection failed: Connection refused")
        except psycopg.OperationalError as exc:
            raise OperationalError(str(exc)) from exc

    monkeypatch.setattr(admission, "debate_visible_on_site", refused)
    socket = await connect(ws_path(debate))
    frame = await receive(socket, timeout=5)
    assert frame["type"] == "error" and frame["code"] == "unavailable"
    assert (await socket.receive_output(timeout=5)) == {"type": "websocket.close", "code": 1013}
