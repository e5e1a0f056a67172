"""The live dashboard's channel (알림판): admins of the site and the platform admin only (4403
for everyone else), a snapshot with the numbers, a new frame on the refresh period after a
change, never a frame per ballot, and people connected counted from the site's groups."""

import asyncio
import json
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from deliberation.debates.services import cast_ballot
from project.asgi import application
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, open_pro_con_debate, platform_admin

from .helpers import ORIGIN, connect, connect_and_skip_greeting, receive, session_cookie_for, ws_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def dashboard_path(agency):
    return "/ws/dashboard/" if agency.is_city else f"/ws/a/{agency.slug}/dashboard/"


@database_sync_to_async
def given_site():
    agency = AgencyFactory()
    return agency, open_pro_con_debate(agency=agency), agency_admin(agency)


@database_sync_to_async
def vote(debate):
    cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=debate.options.first().pk)


async def refused(path, user=None):
    headers = list(ORIGIN)
    if user is not None:
        headers.append(await session_cookie_for(user))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    frame = json.loads(await communicator.receive_from(timeout=2))
    assert frame["type"] == "error" and frame["code"] == "forbidden"
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}
    await communicator.wait()


async def dashboard(agency, user):
    communicator = await connect(dashboard_path(agency), user=user)
    hello = await receive(communicator)
    assert hello["type"] == "hello" and hello["topic"].startswith("dashboard.")
    snapshot = await receive(communicator)
    assert snapshot["type"] == "dashboard"
    return communicator, snapshot


async def until(communicator, predicate, timeout=5):
    """The first dashboard frame that satisfies `predicate`; fails after `timeout` seconds in
    all (frames keep coming every period, so a per-frame timeout would never fire)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        frame = await receive(communicator, timeout=max(0.01, deadline - time.monotonic()))
        if frame["type"] == "dashboard":
            last = frame
            if predicate(frame):
                return frame
    raise AssertionError(f"no dashboard frame matched within {timeout} s; last: {last}")


async def test_anonymous_a_citizen_and_another_agencys_admin_are_refused(settings):
    agency, _, _ = await given_site()
    await refused(dashboard_path(agency))
    await refused(dashboard_path(agency), await database_sync_to_async(CitizenFactory)())
    await refused(dashboard_path(agency), await database_sync_to_async(lambda: agency_admin(AgencyFactory()))())
    await refused("/ws/a/no-such-site/dashboard/", await database_sync_to_async(platform_admin)())


async def test_an_admin_gets_the_numbers_then_a_new_frame_after_a_ballot(settings):
    settings.REALTIME_DASHBOARD_SECONDS = 0.2
    agency, debate, admin = await given_site()
    await vote(debate)
    communicator, snapshot = await dashboard(agency, admin)
    assert snapshot["agency"] == agency.pk and snapshot["city_wide"] is False
    assert snapshot["ballots_per_minute"] == 1
    assert {"supports_per_minute", "proposals_today", "reviews_due", "open_reports", "connected"} <= set(snapshot)

    await vote(debate)
    frame = await until(communicator, lambda f: f["ballots_per_minute"] == 2)
    assert frame["seq"] > snapshot["seq"]
    await communicator.disconnect()


async def test_a_ballot_alone_sends_no_dashboard_frame(settings):
    settings.REALTIME_DASHBOARD_SECONDS = 60  # no refresh during the test
    agency, debate, admin = await given_site()
    communicator, _ = await dashboard(agency, admin)
    await vote(debate)
    await asyncio.sleep(0.5)  # ten ticks
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_connected_counts_the_sites_viewers_only(settings):
    settings.REALTIME_DASHBOARD_SECONDS = 0.2
    agency, debate, admin = await given_site()
    elsewhere = await database_sync_to_async(lambda: open_pro_con_debate(agency=AgencyFactory()))()
    communicator, snapshot = await dashboard(agency, admin)
    assert snapshot["connected"] == 0  # the dashboard itself is not an audience

    viewers = [await connect_and_skip_greeting(ws_path(debate)) for _ in range(2)]
    other = await connect_and_skip_greeting(ws_path(elsewhere))
    site_list = await connect(f"/ws/a/{agency.slug}/debates/")
    await until(communicator, lambda f: f["connected"] == 3)

    # The platform admin's city-wide dashboard counts every agency's viewers.
    city_board, city_snapshot = await dashboard(await database_sync_to_async(_city)(), await database_sync_to_async(platform_admin)())
    assert city_snapshot["city_wide"] is True
    assert city_snapshot["connected"] == 4 or (await until(city_board, lambda f: f["connected"] == 4))

    for socket in (*viewers, other, site_list, communicator, city_board):
        await socket.disconnect()


def _city():
    from deliberation.agencies.selectors import city

    return city()
