"""This process's live sockets, per group, and the write path that fans one frame out to them.

A frame is encoded once per publish (text, and the complete websocket frame bytes) and offered
to every local socket. A socket that cannot take it now (its reader is slow and the server
applies back-pressure) keeps only the latest frame: latest wins, so a stalled viewer costs one
pending frame, never a queue, and gets the newest state when it drains. The server's keepalive
closes viewers that never drain."""

import asyncio
import contextvars

from .wire import text_frame

PREBUILT_FRAMES = "realtime.prebuilt_frames"  # ASGI extension, see realtime/uvicorn_protocol.py
RAW_SEND = "realtime.raw_send"  # the server's own send, kept by realtime.middleware
DELIVERY_SLICE = 100  # sockets written between two yields to the event loop (500 held acks ~7 ms behind each slice)


class Frame:
    __slots__ = ("text", "wire", "message")

    def __init__(self, text: str):
        self.text = text
        self.wire = text_frame(text)
        self.message = {"type": "websocket.send", "text": text}


class LiveSocket:
    """Latest-wins delivery to one socket; subclasses know how to write."""

    __slots__ = ("_pending", "_busy", "closed")

    def __init__(self):
        self._pending: Frame | None = None
        self._busy = False
        self.closed = False

    def offer(self, frame: Frame) -> None:
        if self.closed:
            return
        if self._busy:
            self._pending = frame
            return
        if not self._write_now(frame):
            self._busy = True
            asyncio.get_running_loop().create_task(self._drain(frame), context=contextvars.Context())

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


class PrebuiltFrameSocket(LiveSocket):
    """A server with the prebuilt-frames extension: a plain function call per socket."""

    __slots__ = ("_write", "_wait_writable")

    def __init__(self, extension: dict):
        super().__init__()
        self._write = extension["write"]
        self._wait_writable = extension["wait_writable"]

    def _write_now(self, frame: Frame) -> bool:
        return self._write(frame.wire)

    async def _complete(self, frame: Frame) -> None:
        # Nothing was written: once writable, send the newest frame instead.
        await self._wait_writable()
        newest, self._pending = self._pending or frame, None
        await self._write_later(newest)

    async def _write_later(self, frame: Frame) -> None:
        while True:
            await self._wait_writable()
            if self._write(frame.wire):
                return
            if self._closed_for_good():
                self.closed = True
                return

    def _closed_for_good(self) -> bool:
        owner = getattr(self._write, "__self__", None)
        return owner is None or owner.disconnected or owner.close_sent or owner.transport.is_closing()


class AsgiSocket(LiveSocket):
    """Any ASGI server: step its send coroutine by hand. When the socket is writable it
    finishes at once (no task, no scheduling); a back-pressured send is finished in a task."""

    __slots__ = ("_send", "_parked")

    def __init__(self, send):
        super().__init__()
        self._send = send
        self._parked = None

    def _write_now(self, frame: Frame) -> bool:
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
        await self._send(frame.message)


def socket_for(scope: dict, send) -> LiveSocket:
    extension = scope.get("extensions", {}).get(PREBUILT_FRAMES)
    if extension is not None:
        return PrebuiltFrameSocket(extension)
    return AsgiSocket(scope.get(RAW_SEND, send))


class LocalRegistry:
    """group name → the sockets of this process that watch it, and the latest frame sent."""

    def __init__(self):
        self._members: dict[str, dict[object, LiveSocket]] = {}
        self._latest: dict[str, str] = {}

    def add(self, group: str, key, socket: LiveSocket) -> bool:
        """Returns True when this is the group's first local member."""
        members = self._members.setdefault(group, {})
        members[key] = socket
        return len(members) == 1

    def remove(self, group: str, key) -> bool:
        """Returns True when the group has no local member left."""
        members = self._members.get(group)
        if not members:
            return False
        members.pop(key, None)
        if members:
            return False
        del self._members[group]
        self._latest.pop(group, None)
        return True

    async def deliver(self, group: str, text: str) -> int:
        """Offers the frame to every local socket, yielding to the event loop between slices
        so that ballots and acks are not held up behind a 10,000-socket fan-out."""
        members = self._members.get(group)
        if not members:
            return 0
        self._latest[group] = text
        frame = Frame(text)
        sockets = list(members.values())
        for start in range(0, len(sockets), DELIVERY_SLICE):
            if start:
                await asyncio.sleep(0)
            for socket in sockets[start : start + DELIVERY_SLICE]:
                socket.offer(frame)
        return len(sockets)

    def remember(self, group: str, text: str) -> None:
        """Keeps a snapshot read from rows, unless a published frame (newer) is already kept."""
        if self._members.get(group) and group not in self._latest:
            self._latest[group] = text

    def latest(self, group: str) -> str | None:
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
