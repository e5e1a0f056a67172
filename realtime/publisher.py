"""The coalescing publisher.

The domain announces a change after commit (`announce`, called from whatever thread committed).
The publisher marks the (kind, id) dirty and, once per tick, rebuilds the state from rows and
sends ONE frame to the group: a thousand ballots in a tick cost one frame per viewer.

It runs on the server's event loop, bound by the ASGI application on its first call. A process
with no loop (a management command, a sync test) publishes at once instead."""

import asyncio
import contextvars
import logging
import threading

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings

from . import protocol
from .fanout import ChannelLayerFanout
from .sequence import sequence_from_settings
from .topics import TOPICS

logger = logging.getLogger(__name__)


class Publisher:
    def __init__(self, *, tick: float, fanout, sequence):
        self.tick = tick
        self.fanout = fanout
        self.sequence = sequence
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dirty: set[tuple[str, int]] = set()
        self._flusher: asyncio.Task | None = None
        self._lock = threading.Lock()

    # --- binding to the server loop ------------------------------------------------------
    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            if self._loop is not loop:
                self._loop = loop
                self._dirty = set()
                self._flusher = None

    def _live_loop(self):
        loop = self._loop
        return loop if loop is not None and not loop.is_closed() and loop.is_running() else None

    # --- called by the domain, after commit, from any thread -----------------------------
    def announce(self, kind: str, *, agency_id: int, object_id: int) -> None:
        if kind not in TOPICS:
            return
        key = (kind, int(object_id))
        loop = self._live_loop()
        if loop is None:
            async_to_sync(self.publish)(key)
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._mark_dirty(key)
        else:
            # A fresh context: the flusher must not inherit the committing request's
            # asgiref thread context (it would outlive it, or look like a deadlock).
            loop.call_soon_threadsafe(self._mark_dirty, key, context=contextvars.Context())

    def _mark_dirty(self, key) -> None:
        self._dirty.add(key)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush_every_tick(), context=contextvars.Context()
            )

    async def _flush_every_tick(self) -> None:
        while self._dirty:
            await asyncio.sleep(self.tick)
            keys, self._dirty = self._dirty, set()
            for key in keys:
                try:
                    await self.publish(key)
                except Exception:  # a failed publish must not stop the next ones
                    logger.exception("realtime publish failed for %s", key)

    # --- building and sending frames ------------------------------------------------------
    async def publish(self, key) -> None:
        kind, object_id = key
        topic = TOPICS[kind]
        group = topic.group(object_id)
        # Take the seq before reading rows: a higher seq never shows older numbers.
        seq = await self.sequence.next(group)
        state = await database_sync_to_async(topic.state)(object_id)
        if state is None:
            return
        await self.fanout.send(group, protocol.encode(topic.message(seq=seq, state=state)))

    async def snapshot(self, kind: str, object_id: int) -> dict | None:
        """The full state for a viewer that (re)connects, with the group's current seq."""
        topic = TOPICS[kind]
        seq = await self.sequence.current(topic.group(object_id))
        state = await database_sync_to_async(topic.state)(object_id)
        return None if state is None else topic.message(seq=seq, state=state)


_publisher: Publisher | None = None
_publisher_lock = threading.Lock()


def get_publisher() -> Publisher:
    global _publisher
    with _publisher_lock:
        if _publisher is None:
            _publisher = Publisher(
                tick=settings.REALTIME_TICK_SECONDS,
                fanout=ChannelLayerFanout(),
                sequence=sequence_from_settings(),
            )
        return _publisher


def reset_publisher() -> None:
    """For tests that change settings (tick, layer) between cases."""
    global _publisher
    with _publisher_lock:
        _publisher = None


def announce(kind: str, *, agency_id: int, object_id: int) -> None:
    get_publisher().announce(kind, agency_id=agency_id, object_id=object_id)


class BindPublisherLoop:
    """ASGI middleware: hands the server's event loop to the publisher on each connection."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        get_publisher().bind_loop(asyncio.get_running_loop())
        return await self.app(scope, receive, send)
