"""This process's live sockets, per group, and the write path that fans one frame out to them.

A frame is encoded once per publish per codec in use (JSON text, and msgpack only when some
local socket of the group speaks it), each with its complete websocket frame bytes, and
offered to every local socket. A socket that cannot take it now (its reader is slow and the
server applies back-pressure) keeps only the latest frame: latest wins, so a stalled viewer
costs one pending frame, never a queue, and gets the newest state when it drains. The
server's keepalive closes viewers that never drain.

A `gone` frame is final: every local socket of the group gets it, then its close (4404), and
the group is dropped from this process."""

import asyncio
import contextvars

from .protocol import is_gone, json_to_msgpack
from .wire import binary_frame, text_frame

PREBUILT_FRAMES = "realtime.prebuilt_frames"  # ASGI extension, see realtime/uvicorn_protocol.py
RAW_SEND = "realtime.raw_send"  # the server's own send, kept by realtime.middleware
DELIVERY_SLICE = 100  # sockets written between two yields to the event loop (500 held acks ~7 ms behind each slice)
CLOSE_GONE = 4404


class Frame:
    """One server frame in both codecs: `wire`/`message` (JSON text: the published form, always
    built, it costs one UTF-8 encode per publish) and `packed`/`binary_wire`/`binary_message`
    (msgpack), built at most once and only when asked for. `deliver` builds the msgpack form
    before its loop when the group has a msgpack socket, so sockets read plain attributes."""

    __slots__ = ("text", "wire", "message", "packed", "binary_wire", "binary_message", "final")

    def __init__(self, text: str, *, binary: bool = False):
        self.text = text
        self.wire = text_frame(text)
        self.message = {"type": "websocket.send", "text": text}
        self.packed = self.binary_wire = self.binary_message = None
        self.final = is_gone(text)
        if binary:
            self.build_binary()

    def build_binary(self) -> "Frame":
        if self.binary_wire is None:
            self.packed = json_to_msgpack(self.text)
            self.binary_wire = binary_frame(self.packed)
            self.binary_message = {"type": "websocket.send", "bytes": self.packed}
        return self


class LiveSocket:
    """Latest-wins delivery to one socket; subclasses know how to write. `binary` sockets
    (msgpack) take a frame's binary bytes, the others its text."""

    __slots__ = ("_pending", "_busy", "closed", "_close", "_finishing")
    binary = False

    def __init__(self, close=None):
        self._pending: Frame | None = None
        self._busy = False
        self.closed = False
        self._close = close  # async (code) -> None: closes the websocket (a gone topic)
        self._finishing = False

    def offer(self, frame: Frame) -> None:
        # (A finishing socket is out of the registry already: deliver never offers it more.)
        if self.closed:
            return
        if self._busy:
            self._pending = frame
            return
        if not self._write_now(frame):
            self._busy = True
            asyncio.get_running_loop().create_task(self._drain(frame), context=contextvars.Context())

    def offer_final(self, frame: Frame) -> None:
        """The last frame (gone): written like any other (replacing a pending one), then the
        socket is closed with 4404 once it is out; nothing is offered after it."""
        if self.closed or self._finishing:
            return
        self.offer(frame)
        self._finishing = True
        if not self._busy:
            self._close_soon()

    def _close_soon(self) -> None:
        self.closed = True
        if self._close is not None:
            asyncio.get_running_loop().create_task(self._closing(), context=contextvars.Context())

    async def _closing(self) -> None:
        try:
            await self._close(CLOSE_GONE)
        except Exception:
            pass  # already gone

    def _write_now(self, frame: Frame) -> bool:
        """Writes without waiting; False when the socket is back-pressured."""
        raise NotImplementedError

    async def _complete(self, frame: Frame) -> None:
        """Finishes the write that _write_now could not."""
        raise NotImplementedError

    async def _write_later(self, frame: Frame) -> None:
        raise NotImplementedError

    async def _drain(self, frame: Frame) -> None:
        try:
            await self._complete(frame)
            while self._pending is not None and not self.closed:
                frame, self._pending = self._pending, None
                await self._write_later(frame)
        except Exception:
            self.closed = True
        finally:
            self._busy = False
            if self._finishing and not self.closed:
                self._close_soon()


class PrebuiltFrameSocket(LiveSocket):
    """A server with the prebuilt-frames extension: a plain function call per socket."""

    __slots__ = ("_write", "_wait_writable")

    def __init__(self, extension: dict, close=None):
        super().__init__(close)
        self._write = extension["write"]
        self._wait_writable = extension["wait_writable"]

    def _bytes(self, frame: Frame) -> bytes:
        return frame.wire

    def _write_now(self, frame: Frame) -> bool:
        return self._write(frame.wire)

    async def _complete(self, frame: Frame) -> None:
        # Nothing was written: once writable, send the newest frame instead.
        await self._wait_writable()
        newest, self._pending = self._pending or frame, None
        await self._write_later(newest)

    async def _write_later(self, frame: Frame) -> None:
        data = self._bytes(frame)
        while True:
            await self._wait_writable()
            if self._write(data):
                return
            if self._closed_for_good():
                self.closed = True
                return

    def _closed_for_good(self) -> bool:
        owner = getattr(self._write, "__self__", None)
        return owner is None or owner.disconnected or owner.close_sent or owner.transport.is_closing()


class BinaryPrebuiltFrameSocket(PrebuiltFrameSocket):
    """A msgpack socket on a server with the prebuilt-frames extension: binary frames."""

    __slots__ = ()
    binary = True

    def _bytes(self, frame: Frame) -> bytes:
        return frame.binary_wire or frame.build_binary().binary_wire

    def _write_now(self, frame: Frame) -> bool:
        return self._write(frame.binary_wire or frame.build_binary().binary_wire)


class AsgiSocket(LiveSocket):
    """Any ASGI server: step its send coroutine by hand. When the socket is writable it
    finishes at once (no task, no scheduling); a back-pressured send is finished in a task."""

    __slots__ = ("_send", "_parked")

    def __init__(self, send, close=None):
        super().__init__(close)
        self._send = send
        self._parked = None

    def _message(self, frame: Frame) -> dict:
        return frame.message

    def _write_now(self, frame: Frame) -> bool:
        # The codec's field is read inline (no per-socket call): BinaryAsgiSocket repeats this.
        coroutine = self._send(frame.message)
        try:
            waiting_on = coroutine.send(None)
        except StopIteration:
            return True
        except Exception:
            self.closed = True
            return True
        self._parked = (coroutine, waiting_on)
        return False

    async def _complete(self, frame: Frame) -> None:
        coroutine, waiting_on = self._parked
        self._parked = None
        try:
            while True:
                try:
                    await (asyncio.sleep(0) if waiting_on is None else waiting_on)
                except Exception:
                    pass  # the coroutine sees the same outcome when resumed
                waiting_on = coroutine.send(None)
        except StopIteration:
            pass
        except Exception:
            coroutine.close()
            raise

    async def _write_later(self, frame: Frame) -> None:
        await self._send(self._message(frame))


class BinaryAsgiSocket(AsgiSocket):
    """A msgpack socket on any ASGI server: `websocket.send` with `bytes`."""

    __slots__ = ()
    binary = True

    def _message(self, frame: Frame) -> dict:
        return frame.binary_message or frame.build_binary().binary_message

    def _write_now(self, frame: Frame) -> bool:
        coroutine = self._send(frame.binary_message or frame.build_binary().binary_message)
        try:
            waiting_on = coroutine.send(None)
        except StopIteration:
            return True
        except Exception:
            self.closed = True
            return True
        self._parked = (coroutine, waiting_on)
        return False


def socket_for(scope: dict, send, *, binary: bool = False) -> LiveSocket:
    """The fastest write path the server offers, in the socket's codec. `send` is the
    consumer's own (it also closes the socket when its topic is gone)."""

    async def close(code: int) -> None:
        await send({"type": "websocket.close", "code": code})

    extension = scope.get("extensions", {}).get(PREBUILT_FRAMES)
    if extension is not None:
        return (BinaryPrebuiltFrameSocket if binary else PrebuiltFrameSocket)(extension, close)
    return (BinaryAsgiSocket if binary else AsgiSocket)(scope.get(RAW_SEND, send), close)


class LocalRegistry:
    """group name → the sockets of this process that watch it, and the latest frame sent."""

    def __init__(self):
        self._members: dict[str, dict[object, LiveSocket]] = {}
        self._binary: dict[str, int] = {}  # group → how many of its local sockets speak msgpack
        self._latest: dict[str, Frame] = {}

    def add(self, group: str, key, socket: LiveSocket) -> bool:
        """Returns True when this is the group's first local member."""
        members = self._members.setdefault(group, {})
        old = members.get(key)
        if old is not None and getattr(old, "binary", False):
            self._binary[group] -= 1
        members[key] = socket
        if getattr(socket, "binary", False):
            self._binary[group] = self._binary.get(group, 0) + 1
        return len(members) == 1

    def remove(self, group: str, key) -> bool:
        """Returns True when the group has no local member left."""
        members = self._members.get(group)
        if not members:
            return False
        socket = members.pop(key, None)
        if socket is not None and getattr(socket, "binary", False):
            self._binary[group] -= 1
        if members:
            return False
        del self._members[group]
        self._binary.pop(group, None)
        self._latest.pop(group, None)
        return True

    async def deliver(self, group: str, text: str) -> int:
        """Offers the frame to every local socket, yielding to the event loop between slices
        so that ballots and acks are not held up behind a 10,000-socket fan-out. Each codec
        the group's sockets use is encoded once, here, before the loop. A `gone` frame is
        the last: the sockets are closed after it and the group is dropped here."""
        members = self._members.get(group)
        if not members:
            return 0
        binary = self._binary.get(group, 0)
        frame = Frame(text, binary=binary > 0)
        sockets = list(members.values())
        if frame.final:
            # Out of the registry first: no later frame reaches these sockets, and a socket
            # that joins meanwhile starts the group afresh (its snapshot says gone too).
            del self._members[group]
            self._binary.pop(group, None)
            self._latest.pop(group, None)
        else:
            self._latest[group] = frame
        final = frame.final
        for start in range(0, len(sockets), DELIVERY_SLICE):
            if start:
                await asyncio.sleep(0)
            if final:
                for socket in sockets[start : start + DELIVERY_SLICE]:
                    socket.offer_final(frame)
                continue
            for socket in sockets[start : start + DELIVERY_SLICE]:
                socket.offer(frame)
        return len(sockets)

    def remember(self, group: str, text: str) -> None:
        """Keeps a snapshot read from rows, unless a published frame (newer) is already kept."""
        if self._members.get(group) and group not in self._latest:
            self._latest[group] = Frame(text)

    def latest(self, group: str) -> str | None:
        frame = self._latest.get(group)
        return None if frame is None else frame.text

    def latest_frame(self, group: str) -> Frame | None:
        """The kept frame itself: its other codec is built once, for every socket it serves."""
        return self._latest.get(group)

    def has_members(self, group: str) -> bool:
        return bool(self._members.get(group))

    def count(self, group: str) -> int:
        return len(self._members.get(group, ()))

    def counts(self) -> dict[str, int]:
        """group → sockets of this process; safe to call from another thread (a copy taken
        in one step under the GIL)."""
        return {group: len(members) for group, members in list(self._members.items()) if members}

    def groups(self) -> list[str]:
        return list(self._members)
