"""This process's live sockets, per group, and the write path that fans one frame out to them.

One encoded frame is offered to every local socket. A socket that is still busy with an
earlier frame (its reader is slow and the server is applying back-pressure) keeps only the
latest frame: latest wins, so a stalled viewer costs one pending frame, never a queue, and gets
the newest state when it drains. The server's keepalive closes viewers that never drain."""

import asyncio
import contextvars
import time

from .wire import text_frame


class LiveSocket:
    __slots__ = ("_send", "_pending", "busy_since", "closed")

    def __init__(self, send):
        self._send = send  # the connection's ASGI send callable
        self._pending = None
        self.busy_since: float | None = None
        self.closed = False

    def offer(self, message: dict) -> None:
        if self.closed:
            return
        if self.busy_since is not None:
            self._pending = message
            return
        self._start(message)

    def _start(self, message: dict) -> None:
        # Step the server's send coroutine by hand: when the socket is writable it finishes
        # at once (the common case, no task, no scheduling); only a back-pressured send is
        # parked in a task.
        coroutine = self._send(message)
        try:
            waiting_on = coroutine.send(None)
        except StopIteration:
            return
        except Exception:
            self.closed = True
            return
        self.busy_since = time.monotonic()
        asyncio.get_running_loop().create_task(
            self._finish(coroutine, waiting_on), context=contextvars.Context()
        )

    async def _finish(self, coroutine, waiting_on) -> None:
        try:
            while True:
                try:
                    if waiting_on is None:
                        await asyncio.sleep(0)
                    else:
                        await waiting_on
                except Exception:
                    pass  # the coroutine sees the same outcome when resumed
                waiting_on = coroutine.send(None)
        except StopIteration:
            pass
        except Exception:
            self.closed = True
            return
        finally:
            if self.closed:
                coroutine.close()
        self.busy_since = None
        pending, self._pending = self._pending, None
        if pending is not None:
            self._start(pending)


class LocalRegistry:
    """group name → the sockets of this process that watch it, and the latest frame sent."""

    def __init__(self):
        self._members: dict[str, dict[object, LiveSocket]] = {}
        self._latest: dict[str, str] = {}

    def add(self, group: str, key, send) -> bool:
        """Returns True when this is the group's first local member."""
        members = self._members.setdefault(group, {})
        members[key] = LiveSocket(send)
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

    def deliver(self, group: str, frame: str) -> int:
        members = self._members.get(group)
        if not members:
            return 0
        self._latest[group] = frame
        # "frame" is the wire frame built once for every socket (servers with the
        # realtime.prebuilt_frames extension write it as is); others send "text".
        message = {"type": "websocket.send", "text": frame, "frame": text_frame(frame)}
        for socket in list(members.values()):
            socket.offer(message)
        return len(members)

    def remember(self, group: str, frame: str) -> None:
        """Keeps a snapshot read from rows, unless a published frame (newer) is already kept."""
        if self._members.get(group) and group not in self._latest:
            self._latest[group] = frame

    def latest(self, group: str) -> str | None:
        return self._latest.get(group)

    def has_members(self, group: str) -> bool:
        return bool(self._members.get(group))

    def groups(self) -> list[str]:
        return list(self._members)

    def count(self, group: str) -> int:
        return len(self._members.get(group, ()))
