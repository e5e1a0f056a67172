"""The publisher: from "the domain says debate 7 changed" to one frame on every screen.

Coalesced (the default, settings.REALTIME_MODE = "coalesced"): the domain announces a change
after commit, from whatever thread committed. The publisher marks the (kind, id) dirty and,
once per tick, takes the group's next seq, rebuilds the state from rows and sends ONE frame,
encoded once, through the fanout. A thousand ballots in a tick cost one frame per viewer.
It also wakes itself when a watched debate opens or closes, so countdown ends are pushed.

Naive (REALTIME_MODE = "naive", for comparison only): every announcement is rebuilt and sent
at once with stock group_send.

It runs on the server's event loop, bound by the ASGI application on its first call. A process
with no running loop (a management command, a sync test) publishes at once instead."""

import asyncio
import contextvars
import logging
import threading
import time
from datetime import datetime

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from . import protocol
from .db import read_with_own_pool
from .fanout import ChannelLayerFanout, LocalFanout, RedisFanout
from .sequence import sequence_from_settings
from .topics import TOPICS, key_for_group

logger = logging.getLogger(__name__)

# A transition further away than this is re-armed by a later publish or snapshot.
MAX_TIMER_SECONDS = 6 * 60 * 60
# A publish skipped because no process seemed to watch the group is redone if another process's
# viewer shows up within this time (presence is read every second or so).
SKIPPED_MEMORY_SECONDS = 10.0
MAX_SKIPPED_REMEMBERED = 50_000


class Publisher:
    coalesce = True

    def __init__(self, *, tick: float, fanout, sequence):
        self.tick = tick
        self.fanout = fanout
        self.sequence = sequence
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dirty: set[tuple[str, int]] = set()
        self._failing: set[tuple[str, int]] = set()
        self._flusher: asyncio.Task | None = None
        self._timers: dict[tuple[str, int], asyncio.TimerHandle] = {}
        self._snapshots_in_flight: dict[str, asyncio.Future] = {}
        self._skipped: dict[str, float] = {}  # group → when a publish was skipped for want of an audience
        self._lock = threading.Lock()
        self._sync_publish_lock = threading.Lock()

    # --- binding to the server loop ------------------------------------------------------
    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is loop:
            return
        with self._lock:
            self._loop = loop
            self._dirty = set()
            self._failing = set()
            self._flusher = None
            self._timers = {}
            self._skipped = {}
        presence = getattr(self.fanout, "presence", None)
        if presence is not None:
            presence.ensure_running()  # counts are read even while this process has no socket

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
            # No server loop (a command, a test): publish now, one thread at a time, since each
            # call runs on a loop of its own and the Redis clients are shared.
            with self._sync_publish_lock:
                async_to_sync(self.publish)(key)
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._changed(key)
        else:
            # A fresh context: the flusher must not inherit the committing request's
            # asgiref thread context (it would outlive it, or look like a deadlock).
            loop.call_soon_threadsafe(self._changed, key, context=contextvars.Context())

    def end_sessions(self, *, user_id: int, reason: str, agency_id: int | None = None) -> None:
        """A user's session ended (realtime/sessions.py): from any thread, after commit. On the
        server loop when there is one; otherwise (a command, the admin shell) at once, which
        with Redis still reaches every server process."""
        notice = {"user_id": int(user_id), "reason": reason,
                  "agency_id": None if agency_id is None else int(agency_id)}
        loop = self._live_loop()
        if loop is None:
            with self._sync_publish_lock:
                async_to_sync(self.fanout.end_sessions)(notice)
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        coroutine_factory = lambda: loop.create_task(  # noqa: E731
            self._end_sessions_logged(notice), context=contextvars.Context())
        if running is loop:
            coroutine_factory()
        else:
            loop.call_soon_threadsafe(coroutine_factory, context=contextvars.Context())

    async def _end_sessions_logged(self, notice: dict) -> None:
        try:
            await self.fanout.end_sessions(notice)
        except Exception:
            logger.exception("could not end the sockets of user %s (%s)", notice["user_id"], notice["reason"])

    def mark_groups_dirty(self, groups: list[str]) -> None:
        """After a lost pub/sub connection: resend every watched group's state."""
        for group in groups:
            # Exact prefix match ("site.3" is never read as another topic's group).
            key = key_for_group(group)
            if key is not None:
                self._changed(key)

    def audience_gained(self, groups: list[str]) -> None:
        """Another process has just started watching these groups: resend the ones whose
        publish was skipped lately (their viewers' snapshots may predate that change). Runs on
        the loop, from the presence task."""
        cutoff = time.monotonic() - SKIPPED_MEMORY_SECONDS
        self._skipped = {g: t for g, t in self._skipped.items() if t > cutoff}
        self.mark_groups_dirty([g for g in groups if self._skipped.pop(g, None) is not None])

    def _changed(self, key) -> None:
        self._dirty.add(key)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush_every_tick(), context=contextvars.Context()
            )

    async def _flush_every_tick(self) -> None:
        # Ticks are counted from the start of each flush, so a long fan-out does not
        # stretch the period (a 10,000-viewer flush takes a good part of a tick).
        loop = asyncio.get_running_loop()
        next_flush = loop.time() + self.tick
        while self._dirty:
            await asyncio.sleep(max(0.0, next_flush - loop.time()))
            next_flush = loop.time() + self.tick
            keys, self._dirty = self._dirty, set()
            for key in keys:
                try:
                    await self.publish(key)
                except Exception:  # a failed publish must not stop the next ones
                    # Retried next tick (the state is rebuilt then): a PUBLISH lost to a
                    # Redis reconnect would otherwise leave viewers stale until the next change.
                    if key not in self._failing:
                        logger.exception("realtime publish failed for %s; retrying every tick", key)
                    self._failing.add(key)
                    self._dirty.add(key)
                else:
                    self._failing.discard(key)

    # --- building and sending frames ------------------------------------------------------
    async def publish(self, key) -> None:
        kind, object_id = key
        topic = TOPICS[kind]
        group = topic.group(object_id)
        if not self.fanout.may_have_audience(group):
            # A viewer who joins later reads a snapshot from rows; one who joined another
            # process just now (not yet in our presence cache) gets it via audience_gained.
            if len(self._skipped) > MAX_SKIPPED_REMEMBERED:
                self._skipped.clear()
            self._skipped[group] = time.monotonic()
            return
        # Take the seq before reading rows: a higher seq never shows older numbers.
        seq = await self.sequence.next(group)
        state = await self._read_state(topic, object_id)
        if state is None:
            # The selector no longer shows it (hidden, trashed, unpublished, private): every
            # socket on the group, in every process, gets `gone` and is closed with 4404.
            self._cancel_timer(key)
            await self.fanout.send(group, protocol.encode(protocol.gone(topic=group)))
            return
        await self.fanout.send(group, protocol.encode(topic.message(seq=seq, state=state)))
        self.arm_transition_timer(key, state)

    def _cancel_timer(self, key) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    async def snapshot_frame(self, kind: str, object_id: int, *, cached: bool = True) -> str | None:
        """The full state for a viewer that (re)connects: the latest frame this process sent
        or received for the group (no database work), else (or on `resync`) rebuilt from rows.
        None when the selector no longer shows the topic (the consumer then says `gone`)."""
        topic = TOPICS[kind]
        group = topic.group(object_id)
        latest = self.fanout.latest(group) if cached else None
        if latest is not None:
            return latest
        # Single flight: a burst of connects to a cold group shares one read of the rows.
        in_flight = self._snapshots_in_flight.get(group)
        if in_flight is not None:
            return await asyncio.shield(in_flight)
        future = self._snapshots_in_flight[group] = asyncio.get_running_loop().create_future()
        try:
            frame = await self._read_snapshot(kind, object_id, group)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        else:
            future.set_result(frame)
        finally:
            del self._snapshots_in_flight[group]
        return frame

    async def _read_snapshot(self, kind: str, object_id: int, group: str) -> str | None:
        topic = TOPICS[kind]
        seq = await self.sequence.current(group)
        state = await self._read_state(topic, object_id)
        if state is None:
            return None
        self.arm_transition_timer((kind, object_id), state)
        frame = protocol.encode(topic.message(seq=seq, state=state))
        self.fanout.remember(group, frame)
        return frame

    async def _read_state(self, topic, object_id: int):
        # On the server's loop, through the publisher's own pool (realtime/db.py); a process
        # without a loop (a command, a sync test) reads where its caller does.
        if self._live_loop() is not None:
            return await database_sync_to_async(read_with_own_pool)(topic.state, object_id)
        return await database_sync_to_async(topic.state)(object_id)

    def arm_transition_timer(self, key, state: dict) -> None:
        """Publish again when the debate opens or closes, so pages need no refetch."""
        if not self.coalesce or self._live_loop() is None:
            return
        now = timezone.now()
        upcoming = [
            moment for field in ("opens_at", "closes_at")
            if (value := state.get(field)) and (moment := datetime.fromisoformat(value)) > now
        ]
        if not upcoming:
            return
        delay = (min(upcoming) - now).total_seconds() + 0.05
        if delay > MAX_TIMER_SECONDS:
            return
        old = self._timers.pop(key, None)
        if old is not None:
            old.cancel()
        self._timers[key] = self._loop.call_later(delay, self._transition_due, key, context=contextvars.Context())

    def _transition_due(self, key) -> None:
        self._timers.pop(key, None)
        self._changed(key)


class NaivePublisher(Publisher):
    """Stock Channels: every change is rebuilt and group_sent at once, no coalescing."""

    coalesce = False

    def _changed(self, key) -> None:
        asyncio.get_running_loop().create_task(self._publish_logged(key), context=contextvars.Context())

    async def _publish_logged(self, key) -> None:
        try:
            await self.publish(key)
        except Exception:
            logger.exception("realtime publish failed for %s", key)


_publisher: Publisher | None = None
_publisher_lock = threading.Lock()


def build_publisher() -> Publisher:
    mode = settings.REALTIME_MODE
    sequence = sequence_from_settings()
    if mode == "naive":
        return NaivePublisher(tick=0, fanout=ChannelLayerFanout(), sequence=sequence)
    if mode != "coalesced":
        raise ValueError(f"REALTIME_MODE must be 'coalesced' or 'naive', not {mode!r}")
    if settings.REDIS_URL:
        holder = {}
        fanout = RedisFanout(
            settings.REDIS_URL,
            on_resubscribed=lambda groups: holder["publisher"].mark_groups_dirty(groups),
            on_audience_gained=lambda groups: holder["publisher"].audience_gained(groups),
            presence_write_seconds=settings.REALTIME_PRESENCE_SECONDS,
            presence_read_seconds=settings.REALTIME_PRESENCE_SECONDS / 2,
        )
        holder["publisher"] = publisher = Publisher(tick=settings.REALTIME_TICK_SECONDS, fanout=fanout, sequence=sequence)
        return publisher
    return Publisher(tick=settings.REALTIME_TICK_SECONDS, fanout=LocalFanout(), sequence=sequence)


def get_publisher() -> Publisher:
    global _publisher
    if _publisher is None:
        with _publisher_lock:
            if _publisher is None:
                _publisher = build_publisher()
    return _publisher


def reset_publisher() -> None:
    """For tests that change settings (tick, layer, mode) between cases."""
    global _publisher
    with _publisher_lock:
        old, _publisher = _publisher, None
    presence = getattr(old.fanout, "presence", None) if old is not None else None
    if presence is not None:
        presence.close()


def announce(kind: str, *, agency_id: int, object_id: int) -> None:
    get_publisher().announce(kind, agency_id=agency_id, object_id=object_id)


class BindPublisherLoop:
    """ASGI middleware: hands the server's event loop to the publisher."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        get_publisher().bind_loop(asyncio.get_running_loop())
        return await self.app(scope, receive, send)
