"""How one encoded frame reaches every socket of a group. Chosen by settings.REALTIME_MODE.

- `LocalFanout` (coalesced, embedded): this process's registry; nothing else is involved.
- `RedisFanout` (coalesced, production): the registry, plus ONE Redis pub/sub subscription
  per group per process (not one per socket). A publish is one Redis PUBLISH; every process
  with viewers of that group receives it once and writes it to its local sockets. Who watches
  what in the other processes is known from `realtime.presence` (counts kept in Redis).
- `ChannelLayerFanout` (naive, for comparison): stock Channels `group_send` to every consumer's
  own channel. Measured far slower for large groups; kept to show the difference.

Every fanout keeps the latest frame of each group it serves locally, so a viewer that
(re)connects gets a snapshot without a database query.

Frames travel between processes as JSON text; each process builds the msgpack form of a
frame once, and only when one of its sockets in the group speaks msgpack (registry.deliver).
A `gone` frame travels like any other; each process closes its own sockets after it."""

import asyncio
import contextvars
import json
import logging

from channels.layers import get_channel_layer

from .protocol import is_gone
from .presence import LocalPresence, RedisPresence
from .registry import LocalRegistry, socket_for
from .sequence import redis_client
from .sessions import UserSockets

logger = logging.getLogger(__name__)

FRAME_EVENT = "realtime.frame"


class LocalFanout:
    needs_channel_layer = False

    def __init__(self):
        self.registry = LocalRegistry()
        self.presence = LocalPresence(self.registry)
        self.sessions = UserSockets()

    async def join(self, group: str, consumer) -> None:
        self.registry.add(group, consumer, _socket(consumer))

    async def leave(self, group: str, consumer) -> None:
        self.registry.remove(group, consumer)

    async def track_user(self, user_id: int, consumer, site_slug: str | None) -> None:
        self.sessions.add(user_id, consumer, site_slug)

    def untrack_user(self, user_id: int, consumer) -> None:
        self.sessions.remove(user_id, consumer)

    async def end_sessions(self, notice: dict) -> None:
        """A user's session ended (realtime/sessions.py): close their sockets in this process,
        the only one there is."""
        await self.sessions.end(**notice)

    async def send(self, group: str, frame: str) -> None:
        await self.registry.deliver(group, frame)

    def latest(self, group: str) -> str | None:
        return self.registry.latest(group)

    def latest_frame(self, group: str):
        return self.registry.latest_frame(group)

    def remember(self, group: str, frame: str) -> None:
        self.registry.remember(group, frame)

    def may_have_audience(self, group: str) -> bool:
        """False only when nobody watches the group in any process: building its frame (a
        facilitator screen no one has open, say) would be work for no one."""
        return self.presence.may_have_audience(group)


def channel_prefix(url: str) -> str:
    """Pub/sub channels are global to a Redis server, not per database number: two deployments
    (or two test runs) on one Redis with different database numbers would otherwise receive
    each other's frames. The database number in the prefix keeps them apart, like their keys."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path.strip("/")
    return f"rt:{path if path.isdigit() else '0'}:frames:"


def sessions_channel(url: str) -> str:
    """Session-end notices (realtime/sessions.py), to every process of this deployment."""
    return channel_prefix(url).replace(":frames:", ":sessions")


class RedisFanout(LocalFanout):
    def __init__(self, url: str, *, on_resubscribed=None, on_audience_gained=None,
                 presence_write_seconds: float = 2.0, presence_read_seconds: float = 1.0):
        super().__init__()
        self.CHANNEL = channel_prefix(url)
        self.SESSIONS_CHANNEL = sessions_channel(url)
        # on_audience_gained: called with groups another process has just started watching
        # (the publisher resends those it skipped while they seemed unwatched).
        self.presence = RedisPresence(
            self.registry, url, write_seconds=presence_write_seconds, read_seconds=presence_read_seconds,
            on_audience_gained=on_audience_gained,
        )
        self._url = url
        self._loop = None
        self._client = None
        self._pubsub = None
        self._listener: asyncio.Task | None = None
        self._sessions_subscribed = False
        self._on_resubscribed = on_resubscribed  # called with the groups after a reconnect

    def _connection(self):
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (tests): new connections
            self._loop = loop
            self._client = redis_client(self._url)
            self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            self._pubsub_lock = asyncio.Lock()
            self._listener = None
            self._sessions_subscribed = False
        return self._client, self._pubsub

    async def join(self, group: str, consumer) -> None:
        first = self.registry.add(group, consumer, _socket(consumer))
        self.presence.changed()
        if first:
            _, pubsub = self._connection()
            # One (un)subscribe at a time: redis-py's PubSub connects lazily, and two first
            # subscribes at once (a page opening two sockets) each opened a connection; the
            # first one's subscription was left on a connection nobody reads, and its group
            # never received a frame.
            async with self._pubsub_lock:
                await pubsub.subscribe(self.CHANNEL + group)
            self._ensure_listener()

    async def leave(self, group: str, consumer) -> None:
        last = self.registry.remove(group, consumer)
        self.presence.changed()
        if last:
            _, pubsub = self._connection()
            try:
                async with self._pubsub_lock:
                    await pubsub.unsubscribe(self.CHANNEL + group)
            except Exception:  # Redis away: the reconnect resubscribes only live groups
                logger.warning("unsubscribe from %s failed", group, exc_info=True)

    async def send(self, group: str, frame: str) -> None:
        client, _ = self._connection()
        await client.publish(self.CHANNEL + group, frame)

    async def track_user(self, user_id: int, consumer, site_slug: str | None) -> None:
        self.sessions.add(user_id, consumer, site_slug)
        if not self._sessions_subscribed:
            _, pubsub = self._connection()
            self._sessions_subscribed = True
            async with self._pubsub_lock:
                await pubsub.subscribe(self.SESSIONS_CHANNEL)
        self._ensure_listener()

    async def end_sessions(self, notice: dict) -> None:
        """Every process (this one included, through its own subscription) closes its sockets."""
        client, _ = self._connection()
        await client.publish(self.SESSIONS_CHANNEL, json.dumps(notice))

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen(), context=contextvars.Context())

    async def _listen(self) -> None:
        prefix = len(self.CHANNEL)
        backoff = 0.1
        while True:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if backoff == 0.1:  # the first failure of an outage: the whole story once
                    logger.error("Redis pub/sub connection lost (%s); live frames from other processes "
                                 "stop until it is back. Reconnecting.", exc, exc_info=True)
                else:
                    logger.warning("Redis still unreachable (%s); retrying in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                if await self._resubscribe():
                    logger.warning("Redis pub/sub connection back: %d group(s) resubscribed, fresh "
                                   "snapshots sent", len(self.registry.groups()))
                    backoff = 0.1
                if not self.registry.groups() and not self.sessions:
                    return  # nothing to listen to; the next join starts a new listener
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode()
            if channel == self.SESSIONS_CHANNEL:
                try:
                    await self.sessions.end(**json.loads(message["data"]))
                except Exception:
                    logger.exception("bad session-end notice %r", message["data"][:200])
                continue
            group = channel[prefix:]
            text = message["data"].decode()
            await self.registry.deliver(group, text)
            if is_gone(text) and not self.registry.has_members(group):
                await self._unsubscribe(group)  # deliver dropped the group here

    async def _unsubscribe(self, group: str) -> None:
        try:
            async with self._pubsub_lock:
                await self._pubsub.unsubscribe(self.CHANNEL + group)
        except Exception:
            logger.warning("unsubscribe from %s failed", group, exc_info=True)

    async def _resubscribe(self) -> bool:
        try:
            async with self._pubsub_lock:
                groups = self.registry.groups()
                channels = [self.CHANNEL + g for g in groups]
                if self._sessions_subscribed:
                    channels.append(self.SESSIONS_CHANNEL)
                await self._pubsub.aclose()
                if channels:
                    await self._pubsub.subscribe(*channels)
        except Exception:
            logger.debug("resubscribe failed; will retry", exc_info=True)
            return False
        # Frames published while we were away are lost: send fresh snapshots.
        if self._on_resubscribed and groups:
            self._on_resubscribed(groups)
        return True


def _socket(consumer):
    return socket_for(consumer.scope, consumer.base_send, binary=getattr(consumer, "binary", False))


class ChannelLayerFanout:
    """Naive: stock group_send. Consumers join with their own channel on the layer."""

    needs_channel_layer = True
    presence = None  # the channel layer keeps no counts

    def __init__(self):
        self.sessions = UserSockets()

    async def join(self, group: str, consumer) -> None:
        await get_channel_layer().group_add(group, consumer.channel_name)

    async def leave(self, group: str, consumer) -> None:
        await get_channel_layer().group_discard(group, consumer.channel_name)

    async def send(self, group: str, frame: str) -> None:
        await get_channel_layer().group_send(group, {"type": FRAME_EVENT, "frame": frame})

    def latest(self, group: str) -> str | None:
        return None  # the naive design reads the database for every snapshot

    def latest_frame(self, group: str):
        return None

    def remember(self, group: str, frame: str) -> None:
        pass

    def may_have_audience(self, group: str) -> bool:
        return True
