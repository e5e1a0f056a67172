"""Websocket consumers: thin adapters between the protocol and the publisher."""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from deliberation.announcements import Kind
from deliberation.debates.selectors import debate_belongs_to_site

from . import groups, protocol
from .publisher import get_publisher

logger = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404


class SocketConsumer(AsyncWebsocketConsumer):
    """Base for every live channel: bad frames get an error frame, never a crash."""

    topic_kind: str

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = protocol.parse_client_frame(text_data, bytes_data)
        except protocol.ProtocolError as exc:
            await self.send_frame(protocol.error(code=exc.code, message=exc.message))
            return
        await getattr(self, f"on_{message.type}")(message)

    async def send_frame(self, message: dict) -> None:
        await self.send(text_data=protocol.encode(message))

    async def realtime_frame(self, event):
        # Already encoded once by the publisher for the whole group.
        await self.send(text_data=event["frame"])

    async def on_ping(self, message):
        echo = message.payload.get("echo")
        await self.send_frame(protocol.pong(echo=echo if isinstance(echo, (int, str)) else None))

    async def on_resync(self, message):
        await self.send_snapshot()

    async def send_snapshot(self):
        snapshot = await get_publisher().snapshot(self.topic_kind, self.object_id)
        if snapshot is not None:
            await self.send_frame(snapshot)


class DebateConsumer(SocketConsumer):
    """ws/debates/<id>/ (city) and ws/a/<slug>/debates/<id>/ (agency): live tally."""

    topic_kind = Kind.DEBATE_TALLY

    async def connect(self):
        get_publisher().bind_loop(asyncio.get_running_loop())
        kwargs = self.scope["url_route"]["kwargs"]
        self.object_id = int(kwargs["debate_id"])
        self.group = groups.debate(self.object_id)
        await self.accept()
        visible = await database_sync_to_async(debate_belongs_to_site)(
            debate_id=self.object_id, site_slug=kwargs.get("agency_slug")
        )
        if not visible:
            await self.send_frame(protocol.error(code="not_found", message="No such debate on this site."))
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await get_publisher().fanout.join(self.group, self.channel_name)
        self.joined = True
        await self.send_frame(protocol.hello(topic=self.group))
        await self.send_snapshot()

    async def disconnect(self, code):
        if getattr(self, "joined", False):
            await get_publisher().fanout.leave(self.group, self.channel_name)
