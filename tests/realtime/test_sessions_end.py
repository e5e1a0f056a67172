"""A user's open sockets close when the user's session ends: logout (4401), deactivation
(4403), a site ban (4403, that agency's site only). Other users' sockets stay open."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from deliberation.agencies.sanctions import sanction_user
from deliberation.debates.models import Ballot
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, open_pro_con_debate

from .helpers import connect_and_skip_greeting, receive, ws_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def closed_with(communicator, timeout=5):
    """The frames up to the close, and the close code (fails if the socket stays open)."""
    frames = []
    async with asyncio.timeout(timeout):
        while True:
            message = await communicator.output_queue.get()
            if message["type"] == "websocket.close":
                return frames, message.get("code"), message.get("reason")
            frames.append(json.loads(message["text"]))


async def still_open(communicator):
    await communicator.send_json_to({"type": "ping", "echo": 7})
    frame = await receive(communicator, timeout=5)
    while frame["type"] != "pong":
        frame = await receive(communicator, timeout=5)
    return True


@database_sync_to_async
def given_two_debates():
    agency, other = AgencyFactory(), AgencyFactory()
    return open_pro_con_debate(agency=agency), open_pro_con_debate(agency=other)


async def test_logout_closes_every_socket_of_the_user_with_4401(settings):
    debate, other_debate = await given_two_debates()
    citizen, bystander = await database_sync_to_async(CitizenFactory.create_batch)(2)
    mine = [await connect_and_skip_greeting(ws_path(debate), user=citizen),
            await connect_and_skip_greeting(ws_path(other_debate), user=citizen)]
    theirs = await connect_and_skip_greeting(ws_path(debate), user=bystander)

    @database_sync_to_async
    def log_out():
        client = Client()
        client.force_login(citizen)
        assert client.post("/accounts/logout/").status_code == 302

    await log_out()
    for communicator in mine:
        frames, code, reason = await closed_with(communicator)
        assert code == 4401 and reason == "signed out"
        assert frames[-1]["type"] == "error" and frames[-1]["code"] == "signed_out"
    assert await still_open(theirs)
    await theirs.disconnect()


async def test_a_vote_after_logout_is_not_taken_on_the_old_socket():
    debate, _ = await given_two_debates()
    citizen = await database_sync_to_async(CitizenFactory)()
    voter = await connect_and_skip_greeting(ws_path(debate), user=citizen)

    @database_sync_to_async
    def log_out():
        client = Client()
        client.force_login(citizen)
        client.post("/accounts/logout/")

    await log_out()
    _, code, _ = await closed_with(voter)
    assert code == 4401
    option = await database_sync_to_async(lambda: debate.options.first().pk)()
    await voter.send_json_to({"type": "vote", "option": option, "ref": 1})  # into a closed socket
    await asyncio.sleep(0.2)
    assert not await database_sync_to_async(Ballot.objects.filter(debate=debate).exists)()


async def test_deactivating_an_account_closes_its_sockets_with_4403():
    debate, other_debate = await given_two_debates()
    citizen, bystander = await database_sync_to_async(CitizenFactory.create_batch)(2)
    mine = [await connect_and_skip_greeting(ws_path(debate), user=citizen),
            await connect_and_skip_greeting(ws_path(other_debate), user=citizen)]
    theirs = await connect_and_skip_greeting(ws_path(debate), user=bystander)

    @database_sync_to_async
    def deactivate(user):
        user.is_active = False
        user.save()

    await deactivate(citizen)
    for communicator in mine:
        frames, code, reason = await closed_with(communicator)
        assert (code, reason) == (4403, "account suspended")
        assert frames[-1]["code"] == "suspended"
    assert await still_open(theirs)
    await theirs.disconnect()


async def test_saving_an_active_account_closes_nothing():
    debate, _ = await given_two_debates()
    citizen = await database_sync_to_async(CitizenFactory)()
    socket = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    await database_sync_to_async(citizen.save)()
    assert await still_open(socket)
    await socket.disconnect()


async def test_a_site_ban_closes_the_users_sockets_on_that_site_only():
    debate, other_debate = await given_two_debates()
    citizen, bystander = await database_sync_to_async(CitizenFactory.create_batch)(2)
    on_banning_site = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    elsewhere = await connect_and_skip_greeting(ws_path(other_debate), user=citizen)
    theirs = await connect_and_skip_greeting(ws_path(debate), user=bystander)

    @database_sync_to_async
    def ban(kind):
        sanction_user(actor=agency_admin(debate.agency), agency=debate.agency, user_id=citizen.pk,
                      kind=kind, reason="반복 비방", days=3)

    await ban("mute")  # a mute keeps the sockets
    assert await still_open(on_banning_site)
    await ban("ban")
    frames, code, reason = await closed_with(on_banning_site)
    assert (code, reason) == (4403, "banned") and frames[-1]["code"] == "banned"
    assert await still_open(elsewhere)
    assert await still_open(theirs)
    await elsewhere.disconnect()
    await theirs.disconnect()


async def test_a_closed_socket_leaves_the_index():
    from realtime.publisher import get_publisher

    debate, _ = await given_two_debates()
    citizen = await database_sync_to_async(CitizenFactory)()
    socket = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    sessions = get_publisher().fanout.sessions
    assert sessions.count(citizen.pk) == 1
    await socket.disconnect()
    assert sessions.count(citizen.pk) == 0
    anonymous = await connect_and_skip_greeting(ws_path(debate))
    assert not sessions
    await anonymous.disconnect()
