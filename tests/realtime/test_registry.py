"""The per-process fan-out: one frame to every local socket, latest wins for a slow one."""

import asyncio

import pytest

from realtime.registry import AsgiSocket, LocalRegistry, PrebuiltFrameSocket

pytestmark = pytest.mark.asyncio


class FakeSocket:
    """An ASGI send that is writable unless `blocked` (then it waits, like back-pressure)."""

    def __init__(self):
        self.sent = []
        self.writable = asyncio.Event()
        self.writable.set()

    async def send(self, message):
        await self.writable.wait()
        self.sent.append(message["text"])


async def test_every_member_gets_the_frame_once_and_other_groups_none():
    registry = LocalRegistry()
    sockets = [FakeSocket() for _ in range(3)]
    outsider = FakeSocket()
    for s in sockets:
        registry.add("debate.1", s, AsgiSocket(s.send))
    registry.add("debate.2", outsider, AsgiSocket(outsider.send))
    assert await registry.deliver("debate.1", "frame-1") == 3
    assert [s.sent for s in sockets] == [["frame-1"]] * 3 and outsider.sent == []


async def test_a_stalled_socket_keeps_only_the_latest_frame_and_gets_it_on_drain():
    registry = LocalRegistry()
    fast, slow = FakeSocket(), FakeSocket()
    registry.add("g", fast, AsgiSocket(fast.send))
    registry.add("g", slow, AsgiSocket(slow.send))
    slow.writable.clear()
    for n in range(1, 101):
        await registry.deliver("g", f"frame-{n}")
    assert len(fast.sent) == 100
    assert slow.sent == []
    slow.writable.set()
    for _ in range(5):
        await asyncio.sleep(0)
    # The frame it was blocked on, then only the newest: 98 stale frames were never queued.
    assert slow.sent == ["frame-1", "frame-100"]


async def test_the_latest_frame_is_kept_for_snapshots_while_the_group_has_members():
    registry = LocalRegistry()
    s = FakeSocket()
    registry.add("g", s, AsgiSocket(s.send))
    await registry.deliver("g", "a")
    await registry.deliver("g", "b")
    assert registry.latest("g") == "b"
    assert registry.remove("g", s) is True
    assert registry.latest("g") is None  # no subscription any more: the cache could go stale


async def test_a_broken_socket_is_dropped_from_delivery_without_hurting_others():
    registry = LocalRegistry()

    async def broken(message):
        raise ConnectionResetError

    ok = FakeSocket()
    registry.add("g", "broken", AsgiSocket(broken))
    registry.add("g", ok, AsgiSocket(ok.send))
    await registry.deliver("g", "x")
    await registry.deliver("g", "y")
    assert ok.sent == ["x", "y"]


class FakePrebuiltServer:
    """The prebuilt-frames extension of a server socket: write() refuses while paused."""

    def __init__(self):
        self.wire = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.disconnected = self.close_sent = False
        self.transport = type("T", (), {"is_closing": lambda self: False})()

    def write(self, frame: bytes) -> bool:
        if not self.writable.is_set():
            return False
        self.wire.append(frame)
        return True

    def extension(self):
        return {"write": self.write, "wait_writable": self.writable.wait}


async def test_prebuilt_frames_are_written_as_the_same_bytes_and_latest_wins_when_paused():
    from realtime.wire import text_frame

    registry = LocalRegistry()
    fast, slow = FakePrebuiltServer(), FakePrebuiltServer()
    registry.add("g", fast, PrebuiltFrameSocket(fast.extension()))
    registry.add("g", slow, PrebuiltFrameSocket(slow.extension()))
    slow.writable.clear()
    for n in range(1, 51):
        await registry.deliver("g", f"frame-{n}")
    assert fast.wire == [text_frame(f"frame-{n}") for n in range(1, 51)]
    assert slow.wire == []
    slow.writable.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert slow.wire == [text_frame("frame-50")]


async def test_a_large_fan_out_lets_other_work_run_between_slices():
    from realtime.registry import DELIVERY_SLICE

    registry = LocalRegistry()
    sockets = [FakeSocket() for _ in range(DELIVERY_SLICE * 3)]
    for s in sockets:
        registry.add("g", s, AsgiSocket(s.send))
    progress_seen_by_other_task = []

    async def other_work():
        await asyncio.sleep(0)
        progress_seen_by_other_task.append(sum(1 for s in sockets if s.sent))

    other = asyncio.get_running_loop().create_task(other_work())
    assert await registry.deliver("g", "x") == len(sockets)
    await other
    assert 0 < progress_seen_by_other_task[0] < len(sockets)
    assert all(s.sent == ["x"] for s in sockets)


def test_a_single_process_fanout_builds_no_frame_for_a_group_nobody_watches():
    from realtime.fanout import ChannelLayerFanout, LocalFanout

    fanout = LocalFanout()
    assert not fanout.may_have_audience("screen.1")
    fanout.registry.add("screen.1", object(), object())
    assert fanout.may_have_audience("screen.1")
    assert ChannelLayerFanout().may_have_audience("screen.1")  # other processes may watch
