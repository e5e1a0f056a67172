"""Websocket voters and viewers for the fault tests (the `websockets` client, as in
tests/e2e): each voter is one citizen with a logged-in session and one ballot to cast."""

import asyncio
import json

import websockets

from tests.e2e.frames import next_frame


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


class Voter:
    def __init__(self, index: int, session_key: str, option: int):
        self.index = index
        self.session_key = session_key
        self.option = option
        self.ws = None
        self.sent = False
        self.ack_ballot: int | None = None
        self.error: str | None = None
        self.lost = False  # the connection ended with the vote sent and no answer
        self.answered = asyncio.Event()

    async def connect(self, base: str, path: str) -> None:
        self.ws = await websockets.connect(ws_url(base, path), origin=base, open_timeout=30,
                                           additional_headers={"Cookie": f"sessionid={self.session_key}"},
                                           max_queue=None)
        await next_frame(self.ws, lambda f: f["type"] == "tally", timeout=30)
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("ref") != self.index:
                    continue
                if frame["type"] == "ack":
                    self.ack_ballot = frame["ballot"]
                elif frame["type"] == "error":
                    self.error = frame["code"]
                self.answered.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            if self.sent and not self.answered.is_set():
                self.lost = True
            self.answered.set()

    async def vote(self) -> None:
        try:
            await self.ws.send(json.dumps({"type": "vote", "ref": self.index, "option": self.option}))
            self.sent = True
        except websockets.ConnectionClosed:
            pass

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def connect_all(voters, base: str, path: str, *, concurrency: int = 50) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(voter):
        async with gate:
            await voter.connect(base, path)

    await asyncio.gather(*(one(v) for v in voters))


async def fresh_tally(base: str, path: str, *, timeout: float = 30) -> dict:
    """What a new viewer is shown: the snapshot after hello, then the answer to a resync
    (read from rows), which must agree."""
    async with websockets.connect(ws_url(base, path), origin=base, open_timeout=timeout) as viewer:
        snapshot = await next_frame(viewer, lambda f: f["type"] == "tally", timeout=timeout)
        await viewer.send(json.dumps({"type": "resync"}))
        from_rows = await next_frame(viewer, lambda f: f["type"] == "tally", timeout=timeout)
    return {"snapshot": snapshot, "from_rows": from_rows}


def counts(tally: dict) -> dict[int, int]:
    return {o["id"]: o["count"] for o in tally["options"]}


class LiveViewer:
    """A page's live channel as frontend/static/frontend/live.js runs it: after `hello` the
    next tally is authoritative; later a tally whose seq is not above the last one shown is
    dropped (stale); on a gap it shows the frame and asks for `resync`. It reconnects when
    the socket closes (the base URL may change: a load balancer sending it elsewhere)."""

    def __init__(self, base: str, path: str):
        self.base, self.path = base, path
        self.last_seq = -1
        self.total = None
        self.counts = {}
        self.dropped_stale = 0
        self.task = None
        self.ws = None
        self.connected = asyncio.Event()

    def start(self):
        self.task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def _run(self):
        while True:
            try:
                async with websockets.connect(ws_url(self.base, self.path), origin=self.base, open_timeout=10) as ws:
                    self.ws = ws
                    async for raw in ws:
                        self._handle(json.loads(raw))
            except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
                pass
            self.connected.clear()
            await asyncio.sleep(0.5)

    def _handle(self, frame):
        if frame["type"] == "hello":
            self.last_seq = -1
            return
        if frame["type"] != "tally":
            return
        if self.last_seq != -1 and frame["seq"] <= self.last_seq:
            self.dropped_stale += 1
            return
        gap = self.last_seq != -1 and frame["seq"] > self.last_seq + 1
        self.last_seq = frame["seq"]
        self.total = frame["total"]
        self.counts = counts(frame)
        self.connected.set()
        if gap and self.ws is not None:
            asyncio.get_running_loop().create_task(self._resync())

    async def _resync(self):
        try:
            await self.ws.send(json.dumps({"type": "resync"}))
        except websockets.WebSocketException:
            pass

    async def stop(self):
        self.task.cancel()
        try:
            await self.task
        except BaseException:
            pass


async def until(condition, *, timeout: float, what: str) -> float:
    """Polls `condition()` until true; returns the seconds it took (fails after `timeout`)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not condition():
        assert loop.time() - start < timeout, f"timed out after {timeout} s waiting for {what}"
        await asyncio.sleep(0.05)
    return loop.time() - start
