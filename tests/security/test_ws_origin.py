"""Websockets from a foreign Origin are refused on every route (issue 9).

project/asgi.py wraps the websocket router in AllowedHostsOriginValidator: the handshake is
refused (403) unless the Origin header names an allowed host. Every pattern of
realtime/routing.py is walked, with its converters filled from real rows, and opened as the
platform admin (so that the moderation and facilitator channels would admit the socket):
with the site's own Origin the socket is accepted and says hello; with a foreign Origin, a
look-alike host, a null Origin or none at all it is refused before the consumer runs."""

import json
import re

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from project.asgi import application
from realtime.routing import websocket_urlpatterns

from . import harness
from ..realtime.helpers import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

HOST = (b"host", b"testserver")
FOREIGN = [b"http://evil.example", b"https://testserver.evil.example", b"http://testserver.", b"null",
           b"http://evil.example:80", b"file://", None]


def _paths(world) -> list[str]:
    from deliberation.debates.models import Debate
    from deliberation.proposals.models import Proposal

    sisul = world["sisul"]
    debate = Debate.objects.filter(agency=sisul, vote_type="pro_con").order_by("pk").first()
    proposal = Proposal.objects.filter(agency=sisul).order_by("pk").first()
    city_debate = Debate.objects.filter(agency=world["city"]).order_by("pk").first()
    city_proposal = Proposal.objects.filter(agency=world["city"]).order_by("pk").first()
    paths = []
    for pattern in websocket_urlpatterns:
        template = str(pattern.pattern)
        agency = "<slug:agency_slug>" in template
        values = {"agency_slug": sisul.slug,
                  "debate_id": (debate if agency else city_debate).pk,
                  "proposal_id": (proposal if agency else city_proposal).pk}

        def filled(match):
            return str(values[match.group(2)])

        path = "/" + re.sub(r"<(\w+):(\w+)>", filled, template)
        assert "<" not in path, template
        paths.append(path)
    return paths


async def _open(path, origin, cookie):
    headers = [HOST, cookie] + ([(b"origin", origin)] if origin is not None else [])
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, detail = await communicator.connect(timeout=5)
    first = None
    if connected:
        first = json.loads(await communicator.receive_from(timeout=5))
        await communicator.disconnect()
    return connected, detail, first


def test_every_websocket_route_refuses_a_foreign_origin_and_accepts_its_own():
    world = harness.build_world()
    cookie = async_to_sync(session_cookie_for)(world["users"]["platform"])
    paths = _paths(world)
    assert len(paths) == len(websocket_urlpatterns) == 18
    refused = 0
    for path in paths:
        connected, _, first = async_to_sync(_open)(path, b"http://testserver", cookie)
        assert connected and first["type"] == "hello", (path, first)
        for origin in FOREIGN:
            connected, _, _ = async_to_sync(_open)(path, origin, cookie)
            assert not connected, (path, origin)
            refused += 1
    print(f"\n{len(paths)} websocket routes accepted from their own origin; {refused} foreign handshakes refused")
