"""The facilitator screen's channel: authorization on join (4403 for everyone else), and a
ballot, a hall count and a control each move the screen frame."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from deliberation.agencies.models import Role
from deliberation.agencies.services import grant_role
from deliberation.debates import facilitation
from deliberation.debates.services import cast_ballot
from project.asgi import application
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, open_pro_con_debate

from .helpers import ORIGIN, connect, receive, session_cookie_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def screen_path(debate):
    return f"/ws/a/{debate.agency.slug}/debates/{debate.pk}/screen/"


@database_sync_to_async
def given_debate():
    agency = AgencyFactory()
    debate = open_pro_con_debate(agency=agency)
    facilitator = CitizenFactory()
    grant_role(user=facilitator, agency=agency, role=Role.FACILITATOR)
    return debate, facilitator, {o.kind: o.pk for o in debate.options.all()}


async def refused(path, user=None):
    headers = list(ORIGIN)
    if user is not None:
        headers.append(await session_cookie_for(user))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected  # accepted, then told why and closed
    frame = json.loads(await communicator.receive_from(timeout=2))
    assert frame["type"] == "error" and frame["code"] == "forbidden"
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4403}
    await communicator.wait()


async def until(viewer, predicate, timeout=3):
    while True:
        frame = await receive(viewer, timeout=timeout)
        if predicate(frame):
            return frame


async def test_a_citizen_anonymous_and_another_agencys_admin_are_refused(transactional_db):
    debate, _, _ = await given_debate()
    await refused(screen_path(debate))
    await refused(screen_path(debate), await database_sync_to_async(CitizenFactory)())
    await refused(screen_path(debate), await database_sync_to_async(lambda: agency_admin(AgencyFactory()))())


async def test_the_screen_is_refused_on_another_sites_path(transactional_db):
    debate, facilitator, _ = await given_debate()
    await refused(f"/ws/debates/{debate.pk}/screen/", facilitator)


async def test_a_ballot_and_a_hall_count_each_move_the_screen(transactional_db):
    debate, facilitator, options = await given_debate()
    screen = await connect(screen_path(debate), user=facilitator)
    assert (await receive(screen))["type"] == "hello"
    snapshot = await receive(screen)
    assert snapshot["type"] == "screen" and snapshot["combined_total"] == 0 and snapshot["watching"] == 0

    audience = await connect(f"/ws/a/{debate.agency.slug}/debates/{debate.pk}/")
    await database_sync_to_async(cast_ballot)(debate=debate, citizen=await database_sync_to_async(CitizenFactory)(),
                                              option_id=options["for"])
    frame = await until(screen, lambda f: f.get("online_total") == 1)
    assert frame["watching"] == 1
    assert {r["kind"]: r["combined"] for r in frame["options"]}["for"] == 1

    await database_sync_to_async(facilitation.add_offline_count)(
        actor=facilitator, debate_id=debate.pk, option_id=options["for"], count=30, label="현장 거수")
    frame = await until(screen, lambda f: f.get("offline_total") == 30)
    row = {r["kind"]: r for r in frame["options"]}["for"]
    assert (row["online"], row["offline"], row["combined"]) == (1, 30, 31)
    assert frame["entries"][0]["label"] == "현장 거수"

    await database_sync_to_async(facilitation.set_reveal)(actor=facilitator, debate_id=debate.pk, reveal=True)
    assert (await until(screen, lambda f: f.get("reveal") is True))["combined_total"] == 31
    await audience.disconnect()
    await screen.disconnect()


async def test_phones_joining_and_closing_the_vote_move_the_screen(transactional_db, monkeypatch):
    from realtime import consumers

    monkeypatch.setattr(consumers, "WATCHING_CHECK_SECONDS", 0.05)
    debate, facilitator, _ = await given_debate()
    screen = await connect(screen_path(debate), user=facilitator)
    await receive(screen)
    assert (await receive(screen))["watching"] == 0
    phones = [await connect(f"/ws/a/{debate.agency.slug}/debates/{debate.pk}/") for _ in range(2)]
    await until(screen, lambda f: f.get("watching") == 2)
    await phones[0].disconnect()
    await until(screen, lambda f: f.get("watching") == 1)

    await database_sync_to_async(facilitation.close_now)(actor=facilitator, debate_id=debate.pk)
    assert (await until(screen, lambda f: f.get("status") == "closed"))["type"] == "screen"
    await phones[1].disconnect()
    await screen.disconnect()
