"""Production fan-out across a Redis restart: the process resubscribes and viewers converge
to the rows (frames published while Redis was away are replaced by a fresh snapshot)."""

import asyncio
import shutil
import subprocess
import time

import pytest
from channels.db import database_sync_to_async

from tests.e2e.servers import free_port
from tests.factories import CitizenFactory

from .helpers import connect_and_skip_greeting, receive, ws_path

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() != b"PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture
def private_redis(settings):
    from realtime.publisher import reset_publisher

    redis = PrivateRedis()
    redis.start()
    settings.REDIS_URL = f"redis://127.0.0.1:{redis.port}/0"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [settings.REDIS_URL]}}}
    reset_publisher()
    yield redis
    redis.stop()
    reset_publisher()


async def test_viewers_converge_after_redis_restarts(private_redis, debate):
    viewer = await connect_and_skip_greeting(ws_path(debate))

    @database_sync_to_async
    def vote():
        from deliberation.debates.services import cast_ballot

        cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=debate.options.first().pk)

    private_redis.stop()
    await asyncio.sleep(0.3)
    private_redis.start()
    await vote()  # its own PUBLISH may fail or be lost while the subscription is re-made
    deadline = time.monotonic() + 10
    total = 0
    while total < 1:
        assert time.monotonic() < deadline, "the viewer never converged after the restart"
        frame = await receive(viewer, timeout=10)
        total = frame.get("total", 0) if frame["type"] == "tally" else total
    await viewer.disconnect()
