"""How many sockets watch each group, across every server process.

- `LocalPresence` (one process, no Redis): the counts are this process's registry.
- `RedisPresence` (several processes): each process writes its own per-group socket counts to
  a Redis hash `rt:presence:<process id>` that expires (`PEXPIRE`, 3× the write period), and
  lists itself in the sorted set `rt:presence:processes` (score: time of its last write; old
  members are pruned, never scanned with KEYS). A background task on the server's loop writes
  every `write_seconds` (and soon after a join or leave changed the counts) and reads the
  other processes' hashes every `read_seconds` into a cache. A dead process's counts vanish
  when its hash expires.

Reads never touch Redis: `count`, `counts` and `may_have_audience` answer from this process's
registry (exact) plus the cached sum of the other processes (at most ~`read_seconds` old).
They are plain dict reads, safe from the publisher's worker threads. When the cache is
missing or stale (Redis away, the task not yet run), `may_have_audience` says True: building a
frame for no one is cheaper than a viewer left with old numbers."""

import asyncio
import contextvars
import logging
import time
import uuid
from typing import Callable

from .registry import LocalRegistry
from .sequence import redis_client

logger = logging.getLogger(__name__)


class LocalPresence:
    def __init__(self, registry: LocalRegistry):
        self.registry = registry

    def count(self, group: str) -> int:
        return self.registry.count(group)

    def counts(self) -> dict[str, int]:
        return self.registry.counts()

    def may_have_audience(self, group: str) -> bool:
        """In one process, a group nobody here watches has nobody anywhere."""
        return self.registry.has_members(group)

    def changed(self) -> None:
        pass

    def ensure_running(self) -> None:
        pass

    def close(self) -> None:
        pass


class RedisPresence(LocalPresence):
    PREFIX = "rt:presence:"
    PROCESSES = "rt:presence:processes"
    JOIN_DEBOUNCE_SECONDS = 0.1  # a connect storm is written once, not once per socket
    PRUNE_AFTER_SECONDS = 60.0  # a process silent this long leaves the index (its hash expired long before)

    def __init__(
        self, registry: LocalRegistry, url: str, *, write_seconds: float = 2.0, read_seconds: float = 1.0,
        on_audience_gained: Callable[[list[str]], None] | None = None,
    ):
        super().__init__(registry)
        self.url = url
        self.process_id = uuid.uuid4().hex
        self.key = self.PREFIX + self.process_id
        self.write_seconds = write_seconds
        self.read_seconds = read_seconds
        self.ttl_ms = max(1, int(3 * write_seconds * 1000))
        self.stale_after = 3 * read_seconds
        self._on_audience_gained = on_audience_gained
        self._others: dict[str, int] = {}  # replaced whole, never mutated: safe to read from threads
        self._read_at: float | None = None  # monotonic time of the last successful read
        self._written_at = 0.0
        self._loop = None
        self._client = None
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._failing = False

    # --- reads (no Redis) ----------------------------------------------------------------
    def fresh(self) -> bool:
        return self._read_at is not None and time.monotonic() - self._read_at <= self.stale_after

    def count(self, group: str) -> int:
        return self.registry.count(group) + self._others.get(group, 0)

    def counts(self) -> dict[str, int]:
        total = dict(self._others)
        for group, n in self.registry.counts().items():
            total[group] = total.get(group, 0) + n
        return total

    def may_have_audience(self, group: str) -> bool:
        if self.registry.has_members(group):
            return True
        self.ensure_running()
        if not self.fresh():
            return True  # unsure: err on building the frame
        return self._others.get(group, 0) > 0

    # --- the background task ---------------------------------------------------------------
    def changed(self) -> None:
        """A join or leave changed this process's counts: write them soon."""
        self.ensure_running()
        if self._wake is not None:
            self._wake.set()

    def ensure_running(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: the task runs on the server's loop
        if self._loop is not loop:  # a new loop (tests): new connections
            self._loop = loop
            self._client = redis_client(self.url)
            self._wake = asyncio.Event()
            self._task = None
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run(), context=contextvars.Context())

    async def _run(self) -> None:
        me = asyncio.current_task()
        while True:
            try:
                await self.sync(write=self._wake.is_set() or time.monotonic() - self._written_at >= self.write_seconds)
                if me.cancelling():
                    # redis-py can swallow a cancellation that lands inside a command; without
                    # this check the task would go on forever, "cancelling".
                    raise asyncio.CancelledError
                if self._failing:
                    logger.info("presence in Redis works again")
                self._failing = False
            except asyncio.CancelledError:
                raise
            except Exception:
                if not self._failing:
                    logger.warning("presence: Redis read or write failed; counting every group as watched",
                                   exc_info=True)
                self._failing = True
            try:
                async with asyncio.timeout(self.read_seconds):
                    await self._wake.wait()
            except TimeoutError:
                continue
            await asyncio.sleep(self.JOIN_DEBOUNCE_SECONDS)

    async def sync(self, *, write: bool = True) -> None:
        """One step of the task (tests call it directly): write ours, then read the others."""
        if self._client is None or self._loop is not asyncio.get_running_loop():
            self.ensure_running()
        if write:
            if self._wake is not None:
                self._wake.clear()
            await self.write()
        await self.read()

    async def write(self) -> None:
        counts = self.registry.counts()
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(self.key)
            if counts:
                pipe.hset(self.key, mapping=counts)
                pipe.pexpire(self.key, self.ttl_ms)
            pipe.zadd(self.PROCESSES, {self.process_id: time.time()})
            await pipe.execute()
        self._written_at = time.monotonic()

    async def read(self) -> None:
        client = self._client
        await client.zremrangebyscore(self.PROCESSES, "-inf", time.time() - self.PRUNE_AFTER_SECONDS)
        members = [m.decode() for m in await client.zrange(self.PROCESSES, 0, -1)]
        others = [m for m in members if m != self.process_id]
        totals: dict[str, int] = {}
        if others:
            async with client.pipeline(transaction=False) as pipe:
                for member in others:
                    pipe.hgetall(self.PREFIX + member)
                for counts in await pipe.execute():
                    for group, n in counts.items():
                        group = group.decode()
                        totals[group] = totals.get(group, 0) + int(n)
        before, self._others = self._others, totals
        was_fresh = self._read_at is not None
        self._read_at = time.monotonic()
        if self._on_audience_gained is not None and was_fresh:
            gained = [g for g, n in totals.items() if n > 0 and not before.get(g)]
            if gained:
                self._on_audience_gained(gained)

    def close(self) -> None:
        """A process (or a test's publisher) that ends cleanly removes its counts at once
        instead of leaving them until they expire."""
        task, self._task = self._task, None
        if task is not None and not task.done() and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(task.cancel)
        try:
            import redis

            client = redis.Redis.from_url(self.url, socket_timeout=1)
            try:
                client.delete(self.key)
                client.zrem(self.PROCESSES, self.process_id)
            finally:
                client.close()
        except Exception:
            logger.warning("presence: could not remove this process's counts; they expire", exc_info=True)
