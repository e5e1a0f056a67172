"""uvicorn's wsproto websocket protocol plus one ASGI extension: prebuilt frames.

A `websocket.send` message that carries `"frame": <bytes>` (a complete RFC 6455 frame, see
realtime/wire.py) is written to the transport as it is, skipping per-socket framing; the
same message's `"text"` is what servers without the extension send instead. Back-pressure is
kept: the write waits while the transport is paused, like uvicorn's own send.

Advertised in the scope as `extensions["realtime.prebuilt_frames"]`. Run with
`uvicorn --ws realtime.uvicorn_protocol:PrebuiltFrameWSProtocol` (see the Procfile)."""

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.wsproto_impl import WSProtocol

EXTENSION = "realtime.prebuilt_frames"


class PrebuiltFrameWSProtocol(WSProtocol):
    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        self.scope["extensions"][EXTENSION] = {}

    async def send(self, message) -> None:
        frame = message.get("frame")
        if frame is None or message["type"] != "websocket.send" or not self.handshake_complete:
            return await super().send(message)
        await self.writable.wait()
        if self.disconnected:
            raise ClientDisconnected()
        if self.close_sent or self.response_started or self.transport.is_closing():
            return
        self.transport.write(frame)
