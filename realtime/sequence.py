"""Per-group sequence numbers shared by every server process.

A number is taken *before* the state is read from rows, so a higher seq never carries older
numbers than a lower one: browsers drop any frame whose seq is not above the last they showed.
In production the counter is a Redis INCR (all processes share it); embedded, a dict."""

import asyncio
import itertools
import time
from collections import defaultdict

from django.conf import settings


class LocalSequence:
    def __init__(self):
        self._counters = defaultdict(itertools.count)
        self._current: dict[str, int] = {}

    async def next(self, group: str) -> int:
        value = next(self._counters[group]) + 1
        self._current[group] = value
        return value

    async def current(self, group: str) -> int:
        return self._current.get(group, 0)


class RedisSequence:
    """INCR, except that a counter Redis does not have (a new group, or Redis restarted
    without its data) starts at the current time in milliseconds, atomically (one script):
    pages still open through a Redis restart have seen seqs far below that (a group
    publishes at most a few frames a second, the clock moves 1,000 ms a second), so the
    numbers keep growing and the pages do not drop every later frame as stale."""

    KEY = "rt:seq:{}"
    SCRIPT = """
local value = redis.call('INCR', KEYS[1])
if value == 1 then
  value = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]) - 1)
end
return value
"""

    def __init__(self, url: str):
        self._url = url
        self._clients = {}
        self._scripts = {}

    def _client(self):
        # redis.asyncio connections belong to the loop that made them.

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            for old in [l for l in self._clients if l.is_closed()]:
                self._scripts.pop(self._clients.pop(old), None)
            client = self._clients[loop] = redis_client(self._url)
        return client

    async def next(self, group: str) -> int:
        client = self._client()
        script = self._scripts.get(client)
        if script is None:
            script = self._scripts[client] = client.register_script(self.SCRIPT)
        return int(await script(keys=[self.KEY.format(group)], args=[int(time.time() * 1000)]))

    async def current(self, group: str) -> int:
        value = await self._client().get(self.KEY.format(group))
        return int(value or 0)


def sequence_from_settings():
    return RedisSequence(settings.REDIS_URL) if settings.REDIS_URL else LocalSequence()


def redis_client(url: str):
    """A client whose pool waits for a free connection instead of failing at its limit
    (redis-py's default pool raises MaxConnectionsError during a connect burst)."""
    import redis.asyncio as redis

    pool = redis.BlockingConnectionPool.from_url(url, max_connections=50, timeout=10)
    return redis.Redis(connection_pool=pool)
