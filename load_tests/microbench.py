"""How much CPU the generator spends per received frame (is it lean enough not to be the
bottleneck?).

    python -m load_tests.microbench [--viewers 2000] [--frames 200] [--rate 50]

1. parse only: the viewer's `data_received` on realistic tally frames, no sockets;
2. end to end: a tiny broadcaster subprocess (pinned to CPU 0) accepts the viewers' websocket
   handshakes and writes the same tally frame to every socket `--rate` times a second; this
   process (pinned to CPU 1) counts its own CPU time per frame received, event loop included."""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
import time

from .servers import PYTHON, ROOT, cpu_seconds, free_ports
from .wsclient import GUID, OPEN, Hub, Viewer


def tally_payload(seq: int, total: int) -> bytes:
    return json.dumps(
        {
            "type": "tally",
            "v": 1,
            "seq": seq,
            "ts": int(time.time() * 1000),
            "debate": 1,
            "agency": 2,
            "status": "in_progress",
            "opens_at": "2026-11-26T09:00:00+00:00",
            "closes_at": "2026-11-27T09:00:00+00:00",
            "visible": True,
            "total": total,
            "watermark": 1000 + total,
            "options": [
                {"id": 1, "label": "찬성", "kind": "for", "count": total // 2},
                {"id": 2, "label": "반대", "kind": "against", "count": total // 3},
                {"id": 3, "label": "기타", "kind": "other", "count": total - total // 2 - total // 3},
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def server_frame(payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return bytes((0x81, 126)) + n.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + n.to_bytes(8, "big") + payload


def parse_only(viewers: int, frames: int) -> float:
    hub = Hub()
    clients = []
    for _ in range(viewers):
        v = Viewer(hub, "127.0.0.1", 1, "/", origin="http://x")
        v.state = OPEN
        clients.append(v)
    wire = [server_frame(tally_payload(seq, seq * 7)) for seq in range(1, frames + 1)]
    t0 = time.process_time()
    for frame in wire:
        for v in clients:
            v.data_received(bytes(frame))  # a fresh object per read, as a socket gives
    spent = time.process_time() - t0
    assert all(v.frames == frames for v in clients)
    return spent / (viewers * frames) * 1e6


# --- the broadcaster (a subprocess) -------------------------------------------------------------
async def serve(port: int, viewers: int, frames: int, rate: float):
    conns = []
    ready = asyncio.Event()

    class Conn(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buf = transport, b""

        def data_received(self, data):
            self.buf += data
            if b"\r\n\r\n" in self.buf and self.transport not in conns:
                key = next(
                    line.split(b":", 1)[1].strip()
                    for line in self.buf.split(b"\r\n")
                    if line.lower().startswith(b"sec-websocket-key")
                )
                accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
                self.transport.write(
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
                    + accept
                    + b"\r\n\r\n"
                    + server_frame(b'{"type":"hello","v":1}')
                    + server_frame(tally_payload(0, 0))
                )
                conns.append(self.transport)
                if len(conns) == viewers:
                    ready.set()

    loop = asyncio.get_running_loop()
    server = await loop.create_server(Conn, "127.0.0.1", port, backlog=4096)
    print("listening", flush=True)
    await ready.wait()
    await asyncio.sleep(1.0)
    t0 = loop.time()
    for seq in range(1, frames + 1):
        frame = server_frame(tally_payload(seq, seq * 7))
        for t in conns:
            t.write(frame)
        await asyncio.sleep(max(0.0, t0 + seq / rate - loop.time()))
    await asyncio.sleep(2.0)
    server.close()


async def end_to_end(viewers: int, frames: int, rate: float) -> dict:
    port = free_ports(1)[0]
    proc = subprocess.Popen(
        [
            "taskset",
            "-c",
            "0",
            PYTHON,
            "-m",
            "load_tests.microbench",
            "--serve",
            str(port),
            "--viewers",
            str(viewers),
            "--frames",
            str(frames),
            "--rate",
            str(rate),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "listening"
    hub = Hub()
    clients = [Viewer(hub, "127.0.0.1", port, "/", origin="http://x") for _ in range(viewers)]
    sem = asyncio.Semaphore(200)

    async def connect(v):
        async with sem:
            assert await v.connect(timeout=30), v.error

    await asyncio.gather(*(connect(v) for v in clients))
    c0, w0 = cpu_seconds("self"), time.time()
    while sum(v.frames for v in clients) < viewers * (frames + 1):
        if proc.poll() is not None:
            break
        await asyncio.sleep(0.05)
    c1, w1 = cpu_seconds("self"), time.time()
    received = sum(v.frames for v in clients) - viewers
    for v in clients:
        v.drop()
    proc.wait(timeout=30)
    return {
        "frames": received,
        "seconds": round(w1 - w0, 2),
        "frames_per_second": round(received / (w1 - w0)),
        "cpu_share": round((c1 - c0) / (w1 - w0), 3),
        "us_per_frame": round((c1 - c0) / received * 1e6, 2),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m load_tests.microbench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--viewers", type=int, default=2000)
    p.add_argument("--frames", type=int, default=200)
    p.add_argument("--rate", type=float, default=50.0, help="frames per second to every viewer")
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    if args.serve:
        with runner:
            runner.run(serve(args.serve, args.viewers, args.frames, args.rate))
        return 0
    try:
        os.sched_setaffinity(0, {1})
    except OSError:
        pass
    print(f"parse only: {parse_only(min(args.viewers, 2000), 50):.2f} µs per frame")
    with runner:
        loop_kind = type(runner.get_loop()).__module__.split(".")[0]
        result = runner.run(end_to_end(args.viewers, args.frames, args.rate))
    print(
        f"end to end ({loop_kind} loop): {result['us_per_frame']} µs "
        f"CPU per received frame; {result['frames_per_second']} frames/s used "
        f"{result['cpu_share']:.0%} of a core "
        f"({result['frames']} frames)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
