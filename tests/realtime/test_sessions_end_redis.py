"""Under Redis a session-end notice reaches every server process: a logout handled by one
process closes the user's sockets in another (here: the publisher's fan-out and a second
RedisFanout standing for another process, on a private Redis)."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from deliberation.agencies.sanctions import sanction_user
from realtime.fanout import RedisFanout, sessions_channel
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, open_pro_con_debate

from .helpers import connect_and_skip_greeting, ws_path
from .test_sessions_end import closed_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.redis]


class SocketElsewhere:
    """A consumer in the other process: records what the session end does to it."""

    def __init__(self):
        self.frames, self.closed = [], asyncio.Event()
        self.close_code = None
        self.session_ended = False

    async def send_frame(self, message):
        self.frames.append(message)

    async def close(self, code=None, reason=None):
        self.close_code = (code, reason)
        self.closed.set()


async def wait_closed(socket, timeout=5):
    async with asyncio.timeout(timeout):
        await socket.closed.wait()


async def test_a_logout_closes_the_users_sockets_in_every_process(private_redis):
    debate = await database_sync_to_async(open_pro_con_debate)(agency=await database_sync_to_async(AgencyFactory)())
    citizen, bystander = await database_sync_to_async(CitizenFactory.create_batch)(2)
    here = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    other_process = RedisFanout(private_redis.url)
    there, theirs = SocketElsewhere(), SocketElsewhere()
    await other_process.track_user(citizen.pk, there, None)
    await other_process.track_user(bystander.pk, theirs, debate.agency.slug)

    @database_sync_to_async
    def log_out():
        client = Client()
        client.force_login(citizen)
        assert client.post("/accounts/logout/").status_code == 302

    await log_out()
    _, code, reason = await closed_with(here)
    assert (code, reason) == (4401, "signed out")
    await wait_closed(there)
    assert there.close_code == (4401, "signed out") and there.frames[-1]["code"] == "signed_out"
    assert not theirs.closed.is_set() and other_process.sessions.count(bystander.pk) == 1
    other_process._listener.cancel()


async def test_a_ban_closes_the_users_sockets_on_that_site_in_every_process(private_redis):
    agency, other = await database_sync_to_async(AgencyFactory.create_batch)(2)
    debate = await database_sync_to_async(open_pro_con_debate)(agency=agency)
    citizen = await database_sync_to_async(CitizenFactory)()
    here = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    other_process = RedisFanout(private_redis.url)
    on_site, elsewhere = SocketElsewhere(), SocketElsewhere()
    await other_process.track_user(citizen.pk, on_site, agency.slug)
    await other_process.track_user(citizen.pk, elsewhere, other.slug)

    await database_sync_to_async(sanction_user)(actor=await database_sync_to_async(agency_admin)(agency),
                                                agency=agency, user_id=citizen.pk, kind="ban", reason="도배")
    _, code, reason = await closed_with(here)
    assert (code, reason) == (4403, "banned")
    await wait_closed(on_site)
    assert on_site.close_code == (4403, "banned")
    await asyncio.sleep(0.3)
    assert not elsewhere.closed.is_set()
    other_process._listener.cancel()


async def test_the_notice_channel_is_resubscribed_after_redis_restarts(private_redis):
    debate = await database_sync_to_async(open_pro_con_debate)(agency=await database_sync_to_async(AgencyFactory)())
    citizen = await database_sync_to_async(CitizenFactory)()
    here = await connect_and_skip_greeting(ws_path(debate), user=citizen)
    private_redis.stop()
    await asyncio.sleep(0.5)
    private_redis.start()
    other_process = RedisFanout(private_redis.url)
    # The listener resubscribes (backoff up to 5 s); a notice sent before that would be lost.
    deadline = asyncio.get_running_loop().time() + 15
    while await _subscribers(private_redis) == 0:
        assert asyncio.get_running_loop().time() < deadline, "the sessions channel was never resubscribed"
        await asyncio.sleep(0.1)
    await other_process.end_sessions({"user_id": citizen.pk, "reason": "suspended", "agency_id": None})
    _, code, reason = await closed_with(here, timeout=10)
    assert (code, reason) == (4403, "account suspended")


async def _subscribers(redis) -> int:
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis.url)
    try:
        counts = await client.pubsub_numsub(sessions_channel(redis.url))
        return counts[0][1]
    finally:
        await client.aclose()
