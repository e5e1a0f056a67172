"""uvicorn's wsproto websocket protocol plus one ASGI extension: prebuilt frames.

The scope carries `extensions["realtime.prebuilt_frames"] = {"write": ..., "wait_writable": ...}`:
- `write(frame: bytes) -> bool` writes a complete RFC 6455 frame (realtime/wire.py) to the
  socket at once and returns True, or returns False when the transport is paused (the reader
  is slow) or the socket is closing, writing nothing;
- `wait_writable()` is a coroutine that returns when the transport accepts writes again.
The fan-out builds each frame once and calls `write` for every local socket: no per-socket
framing, no coroutine. Servers without the extension get the ordinary `websocket.send`.

Run with `uvicorn --ws realtime.uvicorn_protocol:PrebuiltFrameWSProtocol` (see the Procfile)."""

from uvicorn.protocols.websockets.wsproto_impl import WSProtocol

EXTENSION = "realtime.prebuilt_frames"


class PrebuiltFrameWSProtocol(WSProtocol):
    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        self.scope["extensions"][EXTENSION] = {"write": self.write_prebuilt, "wait_writable": self.writable.wait}

    def write_prebuilt(self, frame: bytes) -> bool:
        if (
            not self.writable.is_set()
            or self.disconnected
            or not self.handshake_complete
            or self.close_sent
            or self.response_started
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
