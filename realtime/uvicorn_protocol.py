"""uvicorn's wsproto websocket protocol plus one ASGI extension (prebuilt frames) and fair
parsing.

Prebuilt frames: the scope carries `extensions["realtime.prebuilt_frames"] = {"write": ...,
"wait_writable": ...}`:
- `write(frame: bytes) -> bool` writes a complete RFC 6455 frame (realtime/wire.py) to the
  socket at once and returns True, or returns False when the transport is paused (the reader
  is slow) or the socket is closing, writing nothing;
- `wait_writable()` is a coroutine that returns when the transport accepts writes again.
The fan-out builds each frame once and calls `write` for every local socket: no per-socket
framing, no coroutine. Servers without the extension get the ordinary `websocket.send`.

Fair parsing: uvloop hands over up to ~256 KB per read, thousands of small frames from a
flooding client, and stock uvicorn parses and queues them all in one callback: 35–65 ms with
the event loop held while everyone else's votes waited (docs/performance.md, "One account's
flood"). Here one socket parses at most MESSAGES_PER_TURN messages per loop turn, and none
while the app has QUEUE_HIGH_WATER of its messages waiting; the rest stays in wsproto's buffer
(reading stays paused) until the app takes its messages. A flood thus costs the flooder's own
socket its turns, and the app's per-socket limit (realtime/consumers.py) sees it at the pace
it is handled. Once the app has closed a socket (4429 for flooding), a peer that goes on
sending more than FRAMES_AFTER_CLOSE frames instead of echoing the close is dropped: stock
uvicorn resumes reading then and parses the whole flood until its 10 s close timeout.

Run with `uvicorn --ws realtime.uvicorn_protocol:PrebuiltFrameWSProtocol` (see the Procfile)."""

from uvicorn.protocols.websockets.wsproto_impl import WSProtocol
from wsproto import events

EXTENSION = "realtime.prebuilt_frames"
MESSAGES_PER_TURN = 16
QUEUE_HIGH_WATER = 16
FRAMES_AFTER_CLOSE = 64  # frames a peer may still send after our close frame before it is dropped


class PrebuiltFrameWSProtocol(WSProtocol):
    parse_pending = False  # wsproto's buffer may hold frames not parsed yet
    parse_scheduled = False
    frames_after_close = 0

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

    def handle_events(self) -> None:
        # uvicorn's dispatch, with a budget of messages per call (see the module docstring).
        self.parse_scheduled = False
        self.parse_pending = False
        budget = MESSAGES_PER_TURN
        for event in self.conn.events():
            if self.close_sent:
                if isinstance(event, events.CloseConnection):
                    self.handle_close(event)
                    continue
                # Our close frame is out and the peer keeps sending: an honest client echoes
                # the close after at most a few frames in flight, a flooder would have the
                # whole stream parsed until the close timeout (10 s). Drop it instead.
                self.frames_after_close += 1
                if self.frames_after_close > FRAMES_AFTER_CLOSE:
                    self.transport.close()
                    return
                continue
            if isinstance(event, events.Request):
                self.handle_connect(event)
            elif isinstance(event, (events.TextMessage, events.BytesMessage)):
                self.handle_message(event)
                budget -= 1
                if budget <= 0 or self.queue.qsize() >= QUEUE_HIGH_WATER:
                    self.parse_pending = True
                    if self.queue.qsize() < QUEUE_HIGH_WATER:
                        self._schedule_parse()
                    return  # receive() schedules the rest once the app has drained its queue
            elif isinstance(event, events.CloseConnection):
                self.handle_close(event)
            elif isinstance(event, events.Ping):
                self.handle_ping(event)
            elif isinstance(event, events.Pong):
                self.handle_pong(event)
        if self.read_paused and self.queue.empty() and not self.disconnected:
            # Parsed to the end with nothing left for the app: read again (stock uvicorn does
            # this in receive(), which may already be waiting).
            self.read_paused = False
            self.transport.resume_reading()

    def _schedule_parse(self) -> None:
        if not self.parse_scheduled:
            self.parse_scheduled = True
            self.loop.call_soon(self._parse_more)

    def _parse_more(self) -> None:
        self.parse_scheduled = False
        if self.parse_pending and not self.disconnected:
            self.handle_events()

    async def receive(self):
        message = await self.queue.get()
        if self.parse_pending:
            # Frames wait in wsproto's buffer: parse more when the app has caught up, and keep
            # reading paused until they are all parsed.
            if self.queue.qsize() < QUEUE_HIGH_WATER // 2:
                self._schedule_parse()
        elif self.read_paused and self.queue.empty():
            self.read_paused = False
            self.transport.resume_reading()
        return message
