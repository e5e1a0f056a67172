"""Redis pub/sub, two traps. Channels are global to a server, whatever the database number: the fan-out's
channel names carry the number, so two deployments (or two test runs) on one Redis with
different database numbers never receive each other's frames (found when parallel test runs
on one Redis showed each other's stale tallies)."""

from realtime.fanout import channel_prefix


def test_the_channel_prefix_carries_the_redis_database_number():
    assert channel_prefix("redis://127.0.0.1:6379/5") == "rt:5:frames:"
    assert channel_prefix("redis://127.0.0.1:6379/6") != channel_prefix("redis://127.0.0.1:6379/5")
    assert channel_prefix("redis://127.0.0.1:6379") == channel_prefix("redis://127.0.0.1:6379/0") == "rt:0:frames:"


# --- two first joins at once -----------------------------------------------------------------
import asyncio  # noqa: E402
import os  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "")


class Viewer:
    scope: dict = {}

    def __init__(self):
        self.sent = []

    async def base_send(self, message):
        self.sent.append(message.get("text"))


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a real Redis); CI sets it")
async def test_two_groups_joined_at_once_on_a_fresh_fanout_both_receive_frames():
    """A page opens two sockets at once; both are the first of their group in this process. The
    two SUBSCRIBEs once raced redis-py's lazy connect: the first landed on a connection nobody
    read, and that group never got a frame (a proposal page missed every support)."""
    from realtime.fanout import RedisFanout

    fanout = RedisFanout(REDIS_URL, presence_write_seconds=5.0, presence_read_seconds=5.0)
    tag = uuid.uuid4().int % 10**9
    groups = [f"proposal.{tag}", f"comments.{tag}"]
    viewers = [Viewer(), Viewer()]
    try:
        await asyncio.gather(*(fanout.join(group, v) for group, v in zip(groups, viewers)))
        for group in groups:
            await fanout.send(group, f'{{"type":"tally","seq":1,"group":"{group}"}}')
        for _ in range(100):
            if all(v.sent for v in viewers):
                break
            await asyncio.sleep(0.05)
        assert [len(v.sent) for v in viewers] == [1, 1]
    finally:
        for task in (fanout._listener, fanout.presence._task):
            if task is not None:
                task.cancel()
        fanout.presence.close()
        if fanout._pubsub is not None:
            await fanout._pubsub.aclose()
