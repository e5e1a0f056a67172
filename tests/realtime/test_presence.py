"""Presence: who watches which group, summed over server processes (realtime/presence.py).

Two RedisFanout instances in one test process stand for two server processes: each has its
own registry, its own process id and its own hash in Redis."""

import asyncio
import os
import time
import uuid

import pytest

from realtime.fanout import LocalFanout, RedisFanout

REDIS_URL = os.environ.get("REDIS_URL", "")


class Viewer:
    """A consumer as the fanout sees it: a scope and a send."""

    scope: dict = {}

    async def base_send(self, message):
        pass


def viewer():
    return Viewer()


def unique_group(prefix="debate."):
    return f"{prefix}{uuid.uuid4().int % 10**12}"


@pytest.fixture
async def processes():
    made = []

    def make(**kwargs):
        # Stepped by hand (sync) unless a test says otherwise: long periods, so that a slow
        # machine between two steps sees neither an expired hash nor a stale cache.
        kwargs.setdefault("presence_write_seconds", 5.0)
        kwargs.setdefault("presence_read_seconds", 5.0)
        fanout = RedisFanout(REDIS_URL, **kwargs)
        made.append(fanout)
        return fanout

    yield make
    for fanout in made:
        for task in (fanout._listener, fanout.presence._task):
            if task is not None:
                task.cancel()
        fanout.presence.close()
        if fanout._pubsub is not None:
            await fanout._pubsub.aclose()


async def join(fanout, group, n):
    members = [viewer() for _ in range(n)]
    for member in members:
        await fanout.join(group, member)
    return members


async def stop_task(fanout):
    """Tests step the presence by hand (`sync`) so that what they see is not timing: the
    background task is stopped and not restarted (may_have_audience would restart it)."""
    presence = fanout.presence
    presence.ensure_running()  # the Redis client for this loop
    task = presence._task
    presence.ensure_running = lambda: None
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def eventually(predicate, timeout=3.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_single_process_counts_come_from_the_registry():
    fanout = LocalFanout()
    group = unique_group()
    members = await join(fanout, group, 3)
    assert fanout.presence.count(group) == 3
    assert fanout.presence.counts() == {group: 3}
    assert fanout.may_have_audience(group)
    for member in members:
        await fanout.leave(group, member)
    assert fanout.presence.count(group) == 0
    assert not fanout.may_have_audience(group)


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a real Redis); CI sets it")
async def test_counts_are_summed_across_processes(processes):
    a, b = processes(), processes()
    group, other = unique_group(), unique_group("site.")
    await join(a, group, 2)
    await join(b, group, 3)
    await join(b, other, 1)
    for fanout in (a, b):
        await stop_task(fanout)
    await a.presence.sync()
    await b.presence.sync()
    await a.presence.sync()

    assert a.presence.count(group) == 5
    assert b.presence.count(group) == 5
    assert a.presence.count(other) == 1
    assert a.presence.counts()[group] == 5 and a.presence.counts()[other] == 1
    assert a.presence.process_id != b.presence.process_id


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a real Redis); CI sets it")
async def test_a_dead_process_counts_vanish_after_the_ttl(processes):
    a, b = processes(), processes(presence_write_seconds=1.0)  # b's hash lives 3 s
    group = unique_group()
    await join(a, group, 1)
    await join(b, group, 4)
    for fanout in (a, b):
        await stop_task(fanout)
    await b.presence.sync()
    await a.presence.sync()
    assert a.presence.count(group) == 5

    # b dies: it stops writing and never says goodbye. Its hash lives 3 write periods (3 s).
    await asyncio.sleep(1.0)
    await a.presence.sync()
    assert a.presence.count(group) == 5, "still within the TTL"
    await asyncio.sleep(2.2)
    await a.presence.sync()
    assert a.presence.count(group) == 1


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a real Redis); CI sets it")
async def test_may_have_audience_turns_true_when_another_process_gets_a_member(processes):
    gained = []
    a = processes(on_audience_gained=gained.extend)
    b = processes()
    group = unique_group()
    await stop_task(a)
    await stop_task(b)
    await a.presence.sync()  # reads: nobody watches the group anywhere
    assert not a.may_have_audience(group)

    members = await join(b, group, 1)
    await b.presence.sync()
    assert not a.may_have_audience(group), "a has not read yet: its cache answers"
    await a.presence.sync()
    assert a.may_have_audience(group)
    assert group in gained

    await b.leave(group, members[0])
    await b.presence.sync()
    await a.presence.sync()
    assert not a.may_have_audience(group)


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a real Redis); CI sets it")
async def test_the_background_task_writes_soon_after_a_join_and_reads_every_period(processes):
    a, b = processes(presence_write_seconds=5.0, presence_read_seconds=0.1), processes(presence_write_seconds=5.0)
    group = unique_group()
    a.presence.ensure_running()
    await eventually(a.presence.fresh)
    await join(b, group, 2)  # well before b's next periodic write (5 s): the join wakes it
    await eventually(lambda: a.presence.count(group) == 2, timeout=2.0)
    assert a.may_have_audience(group)


async def test_when_unsure_may_have_audience_errs_on_true():
    # Nothing on port 1: every read fails, the cache is never fresh.
    fanout = RedisFanout("redis://127.0.0.1:1/0", presence_write_seconds=0.2, presence_read_seconds=0.1)
    group = unique_group()
    assert fanout.may_have_audience(group), "before the first read"
    with pytest.raises(Exception):
        await fanout.presence.sync()
    assert fanout.may_have_audience(group), "Redis unreachable"
    fanout.presence._task.cancel()


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a real Redis); CI sets it")
async def test_stale_presence_errs_on_true(processes):
    a = processes()
    await stop_task(a)
    group = unique_group()
    await a.presence.sync()
    assert not a.may_have_audience(group)
    a.presence._read_at -= a.presence.stale_after + 1  # no successful read for a while
    assert a.may_have_audience(group)


@pytest.mark.django_db
@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a real Redis); CI sets it")
async def test_watching_sums_the_debate_group_over_processes(settings, processes):
    from realtime import groups
    from realtime.publisher import get_publisher, reset_publisher
    from realtime.topics import watching

    settings.REDIS_URL = REDIS_URL
    reset_publisher()
    here = get_publisher().fanout
    other = processes()
    debate_id = uuid.uuid4().int % 10**9
    await join(here, groups.debate(debate_id), 2)
    await join(other, groups.debate(debate_id), 3)
    await stop_task(other)
    await stop_task(here)
    await other.presence.sync()
    await here.presence.sync()
    assert watching(debate_id) == 5
    reset_publisher()


async def test_a_skipped_publish_is_redone_when_another_process_gains_an_audience():
    from deliberation.announcements import Kind
    from realtime import groups
    from realtime.publisher import Publisher
    from realtime.sequence import LocalSequence

    fanout = LocalFanout()
    publisher = Publisher(tick=0.05, fanout=fanout, sequence=LocalSequence())
    await publisher.publish((Kind.DEBATE_TALLY, 7))  # nobody watches: skipped, remembered
    publisher.audience_gained([groups.debate(7), groups.debate(8)])
    assert publisher._dirty == {(Kind.DEBATE_TALLY, 7)}, "only the skipped group is resent"
    publisher._flusher.cancel()
