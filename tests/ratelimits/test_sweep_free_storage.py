"""The websocket limits' in-process storage: the same fixed windows as limits' MemoryStorage,
without its sweeping thread (docs/performance.md, B⁷)."""

import threading

import time_machine
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from deliberation.ratelimits import SweepFreeMemoryStorage


def test_fixed_windows_count_refuse_and_restart_after_the_window():
    engine = FixedWindowRateLimiter(SweepFreeMemoryStorage())
    limit = parse("2/minute")
    with time_machine.travel(1_000_000, tick=False) as clock:
        assert [engine.hit(limit, "ws", "a") for _ in range(3)] == [True, True, False]
        assert engine.hit(limit, "ws", "b")  # another key has its own count
        stats = engine.get_window_stats(limit, "ws", "a")
        assert stats.remaining == 0 and 59 <= stats.reset_time - 1_000_000 <= 60
        clock.shift(61)
        assert engine.hit(limit, "ws", "a")  # a new window
        assert engine.get_window_stats(limit, "ws", "a").remaining == 1


def test_expired_counters_are_pruned_by_the_caller_and_no_thread_is_started():
    limit = parse("5/second")
    threads = threading.active_count()
    with time_machine.travel(2_000_000, tick=False) as clock:
        storage = SweepFreeMemoryStorage()
        engine = FixedWindowRateLimiter(storage)
        for n in range(1000):
            engine.hit(limit, "ws", str(n))
        assert len(storage.counts) == 1000
        assert threading.active_count() == threads
        clock.shift(storage.PRUNE_SECONDS + 1)
        engine.hit(limit, "ws", "new")
        assert list(storage.counts) == [limit.key_for("ws", "new")]


def test_clear_and_reset():
    storage = SweepFreeMemoryStorage()
    engine = FixedWindowRateLimiter(storage)
    limit = parse("1/minute")
    engine.hit(limit, "ws", "a")
    engine.clear(limit, "ws", "a")
    assert engine.hit(limit, "ws", "a")
    assert storage.reset() == 1 and storage.counts == {}
