"""A lean websocket client for the load generator: RFC 6455 on `asyncio.Protocol`.

Only what the simulator needs: the opening handshake over a raw TCP connection (Origin, an
optional Cookie), masked client frames, and a minimal parser for the server's frames (text,
ping, close; fragmented text is reassembled on a slow path). With `WsClient.msgpack` set
(`--msgpack`) every client offers the `deliberation.v1.msgpack` subprotocol and speaks
binary msgpack frames both ways instead of JSON text.

The hot path is the tally broadcast: every viewer receives byte-identical frames, so a tally
is decoded once per distinct payload (`Tally`, kept in a shared dict keyed by the payload
bytes) and each further delivery costs the header parse, one dict lookup and a few attribute
updates. `python -m load_tests.microbench` measures it (about 3 µs per frame on top of the
event loop's own cost).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os

import msgpack
import socket
import struct
import time
from array import array

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)

# Connection states.
CONNECTING, OPEN, CLOSING, CLOSED = 0, 1, 2, 3

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One masked client frame (FIN set)."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    key = os.urandom(4)
    if n:
        repeated = (key * (n // 4 + 1))[:n]
        payload = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")
    return header + key + payload


class Tally:
    """One distinct tally frame, decoded once and shared by every socket that receives it.

    `key` is what "this ballot is counted" is judged by: the `watermark` (the highest ballot
    id counted) when the server sends it, else the `total` (an approximation). `times` holds
    the receive time of every delivery to a tracked viewer."""

    __slots__ = ("seq", "ts", "total", "status", "watermark", "key", "counts", "times")

    def __init__(self, obj: dict):
        self.seq = int(obj.get("seq") or 0)
        self.ts = (obj.get("ts") or 0) / 1000.0
        self.total = obj.get("total")
        self.status = obj.get("status")
        wm = obj.get("watermark")
        self.watermark = wm if isinstance(wm, int) else None
        self.key = self.watermark if self.watermark is not None else (self.total or 0)
        self.counts = {o.get("id"): o.get("count") for o in obj.get("options") or ()}
        self.times = array("d")


class ProposalFrame(Tally):
    """One distinct `proposal` frame (a citizen proposal's live state). Its `total` is the
    support count, its `status` the phase; supports only grow in the threshold scenario (no
    withdrawals), so the count is used as the watermark: a frame with supports >= n shows
    the support acknowledged with n, exactly."""

    __slots__ = ("in_review", "best", "thresholds")

    def __init__(self, obj: dict):
        self.seq = int(obj.get("seq") or 0)
        self.ts = (obj.get("ts") or 0) / 1000.0
        supports = obj.get("supports")
        self.total = supports
        self.status = obj.get("phase")
        self.watermark = supports if isinstance(supports, int) else None
        self.key = self.watermark if self.watermark is not None else 0
        self.counts = {}
        self.times = array("d")
        self.in_review = obj.get("in_review") is True
        self.best = obj.get("best") is True
        self.thresholds = tuple(obj.get("thresholds") or ())


class CountsFrame(Tally):
    """One distinct `proposal_counts` frame (a site list's counts), read for one proposal:
    `total` is that proposal's support count (None when the list does not show it)."""

    __slots__ = ()

    def __init__(self, obj: dict, proposal_id: int):
        self.seq = int(obj.get("seq") or 0)
        self.ts = (obj.get("ts") or 0) / 1000.0
        row = (obj.get("proposals") or {}).get(str(proposal_id))
        self.total = row[0] if isinstance(row, list) and row else None
        self.status = None
        self.watermark = None
        self.key = self.total or 0
        self.counts = {}
        self.times = array("d")


class Hub:
    """State shared by every client of one trial: the tally cache and the target address."""

    def __init__(self):
        self.tallies: dict[bytes, Tally] = {}
        self.bad_frames = 0

    def distinct_tallies(self) -> list[Tally]:
        return list(self.tallies.values())


class _Link(asyncio.Protocol):
    """The protocol object of ONE connection of a client: a client reconnects with new links,
    so the loss of an old connection never touches the new one. Received data goes straight
    to the client's `data_received` (an instance attribute: no extra call per read)."""

    __slots__ = ("client", "gen", "data_received")

    def __init__(self, client: "WsClient", gen: int):
        self.client = client
        self.gen = gen
        self.data_received = client.data_received

    def connection_made(self, transport):
        self.client.connection_made(transport)

    def connection_lost(self, exc):
        if self.client._gen == self.gen:
            self.client.connection_lost(exc)

    # The transport's flow control, for clients that write more than the server reads
    # (the flooder); the others never fill their write buffer.
    def pause_writing(self):
        if self.client._gen == self.gen:
            self.client.pause_writing()

    def resume_writing(self):
        if self.client._gen == self.gen:
            self.client.resume_writing()


class WsClient(asyncio.Protocol):
    """One websocket connection. Subclasses react to messages (`on_message`)."""

    track = False  # record watermark progress and delivery times (viewers)
    msgpack = False  # offer deliberation.v1.msgpack and speak binary msgpack (--msgpack)
    state_type = "tally"  # the frame type that carries the topic's state (seq-checked)

    def __init__(
        self,
        hub: Hub,
        host: str,
        port: int,
        path: str,
        *,
        origin: str,
        cookie: str | None = None,
        source: str | None = None,
        rcvbuf: int | None = None,
    ):
        self.hub = hub
        self.tallies = hub.tallies
        self.host, self.port, self.path = host, port, path
        self.origin, self.cookie, self.source, self.rcvbuf = origin, cookie, source, rcvbuf
        self.transport = None
        self.sock = None
        self._gen = 0
        self.state = CLOSED
        self.buf = b""
        self.frag = None
        self._key = b""
        self.ready: asyncio.Future | None = None
        # Per-connection timings (perf_counter) and outcome.
        self.t_start = self.t_tcp = self.t_open = self.t_hello = self.t_snapshot = 0.0
        self.error: str | None = None
        self.close_code: int | None = None
        self.closed_by_server = False
        self.t_lost = 0.0
        self.connects = 0
        # Stream state and counters, kept across reconnections.
        self.last_seq = -1
        self.latest: Tally | None = None
        self.total = None
        self.t_total = 0.0  # wall time the current total was first shown
        self.status = None
        self.t_status = 0.0  # wall time the current status was first shown
        self.frames = 0  # tally frames received
        self.gaps = 0  # seq numbers skipped
        self.dups = 0  # tally with seq == last shown
        self.backwards = 0  # tally with seq < last shown (and not one skipped before)
        self.late = 0  # skipped seq that arrived later (reordered, not lost)
        self.missing: set | None = None
        self.maxkey = -1
        self.rt = array("d")  # (time, key) each time the key (watermark) advanced
        self.rk = array("q")
        self.errors: list[str] = []

    # --- connecting ----------------------------------------------------------------------
    async def connect(self, timeout: float = 30.0) -> bool:
        """Connects and waits for the first tally (snapshot) or the handshake's failure."""
        loop = asyncio.get_running_loop()
        if self.transport is not None:
            self.transport.abort()
            self.transport = None
        self._gen += 1
        gen = self._gen
        self.error = None
        self.close_code = None
        self.closed_by_server = False
        self.ready = loop.create_future()
        self.t_start = time.perf_counter()
        self.t_tcp = self.t_open = self.t_hello = self.t_snapshot = 0.0
        self.buf = b""
        self.frag = None
        self.state = CONNECTING
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            if self.source:
                sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                sock.bind((self.source, 0))
            if self.rcvbuf:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, (self.host, self.port))
                self.t_tcp = time.perf_counter()
                await loop.create_connection(lambda: _Link(self, gen), sock=sock)
                ok = await self.ready
        except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
            self.error = self.error or f"{type(exc).__name__}: {exc}".strip()
            ok = False
        if not ok:
            if self.transport is not None:
                self.transport.abort()
            else:
                sock.close()
            self.state = CLOSED
            return False
        self.connects += 1
        return True

    def connection_made(self, transport):
        self.transport = transport
        self.sock = transport.get_extra_info("socket")
        self._key = base64.b64encode(os.urandom(16))
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self._key.decode()}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {self.origin}",
        ]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        if self.msgpack:
            lines.append("Sec-WebSocket-Protocol: deliberation.v1.msgpack")
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def connection_lost(self, exc):
        self.state = CLOSED
        self.t_lost = time.time()
        self.transport = None
        if self.ready is not None and not self.ready.done():
            self.error = self.error or ("connection lost" + (f": {exc}" if exc else ""))
            self.ready.set_result(False)

    def _fail(self, reason: str):
        self.error = reason
        if self.ready is not None and not self.ready.done():
            self.ready.set_result(False)
        if self.transport is not None:
            self.transport.abort()

    def _handshake(self, data: bytes):
        buf = self.buf + data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > 65536:
                self._fail("handshake: response headers too large")
            else:
                self.buf = buf
            return
        head, rest = buf[:end], buf[end + 4 :]
        self.buf = b""
        status_line, _, headers = head.partition(b"\r\n")
        parts = status_line.split(b" ", 2)
        code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if code != 101:
            self._fail(f"handshake: HTTP {code}")
            return
        expected = base64.b64encode(hashlib.sha1(self._key + GUID).digest())
        accept = None
        for line in headers.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-accept":
                accept = value.strip()
        if accept != expected:
            self._fail("handshake: bad Sec-WebSocket-Accept")
            return
        self.state = OPEN
        self.t_open = time.perf_counter()
        self.on_open()
        if rest:
            self.data_received(rest)

    def on_open(self):
        """The handshake succeeded (frames may follow in the same read)."""

    def pause_writing(self):
        """The transport's write buffer passed its high-water mark."""

    def resume_writing(self):
        """The transport's write buffer drained below its low-water mark."""

    # --- receiving -----------------------------------------------------------------------
    def data_received(self, data: bytes):
        if self.state != OPEN:
            if self.state == CONNECTING:
                self._handshake(data)
            return
        now = time.time()
        if self.buf:
            data = self.buf + data
        n = len(data)
        pos = 0
        while n - pos >= 2:
            ln = data[pos + 1] & 0x7F
            if ln < 126:
                start = pos + 2
            elif ln == 126:
                if n - pos < 4:
                    break
                ln = (data[pos + 2] << 8) | data[pos + 3]
                start = pos + 4
            else:
                if n - pos < 10:
                    break
                ln = int.from_bytes(data[pos + 2 : pos + 10], "big")
                start = pos + 10
            end = start + ln
            if end > n:
                break
            b0 = data[pos]
            if b0 == 0x81 or b0 == 0x82:  # a whole text (JSON) or binary (msgpack) frame
                self.on_text(data[start:end], now)
            else:
                self._other_frame(b0, data[start:end], now)
            pos = end
            if self.state != OPEN:
                break
        self.buf = data[pos:] if pos < n else b""

    def _other_frame(self, b0: int, payload: bytes, now: float):
        opcode = b0 & 0x0F
        fin = b0 & 0x80
        if opcode == OP_PING:
            self._write(OP_PONG, payload)
        elif opcode == OP_PONG:
            pass
        elif opcode == OP_CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            if self.state == OPEN:
                self.closed_by_server = True
                self._write(OP_CLOSE, payload[:2])
            self.state = CLOSING
            if self.transport is not None:
                self.transport.close()
            if self.ready is not None and not self.ready.done():
                self.error = f"closed by server: {self.close_code}"
                self.ready.set_result(False)
        elif (opcode == OP_TEXT or opcode == OP_BINARY) and not fin:
            self.frag = [payload]
        elif opcode == OP_CONT and self.frag is not None:
            self.frag.append(payload)
            if fin:
                whole, self.frag = b"".join(self.frag), None
                self.on_text(whole, now)
        else:
            self.hub.bad_frames += 1

    def on_text(self, payload: bytes, now: float):
        tally = self.tallies.get(payload)
        if tally is None:
            try:
                obj = msgpack.unpackb(payload, raw=False) if self.msgpack else json.loads(payload)
            except (ValueError, msgpack.UnpackException):
                self.hub.bad_frames += 1
                return
            if not isinstance(obj, dict):
                self.hub.bad_frames += 1
                return
            if obj.get("type") != self.state_type:
                self.on_message(obj, now)
                return
            tally = self.tallies[payload] = self.make_frame(obj)
        self.frames += 1
        seq = tally.seq
        last = self.last_seq
        if seq > last:
            if last < 0:
                # The snapshot after hello: authoritative whatever its seq.
                if self.ready is not None and not self.ready.done():
                    self.t_snapshot = time.perf_counter()
                    self.ready.set_result(True)
            elif seq != last + 1:
                self._gap(last, seq)
            self.last_seq = seq
            self.latest = tally
            if tally.total != self.total:
                self.total = tally.total
                self.t_total = now
            if tally.status != self.status:
                self.status = tally.status
                self.t_status = now
            if self.track:
                key = tally.key
                if key > self.maxkey:
                    self.maxkey = key
                    self.rt.append(now)
                    self.rk.append(key)
                tally.times.append(now)
        elif seq == last:
            self.dups += 1
        elif self.missing is not None and seq in self.missing:
            # Skipped earlier, arriving now: reordered (between processes), not lost.
            self.missing.discard(seq)
            self.gaps -= 1
            self.late += 1
        else:
            self.backwards += 1

    def make_frame(self, obj: dict) -> Tally:
        return Tally(obj)

    def _gap(self, last: int, seq: int):
        self.gaps += seq - last - 1
        if self.missing is None:
            self.missing = set()
        if seq - last < 256:
            self.missing.update(range(last + 1, seq))

    def on_message(self, obj: dict, now: float):
        kind = obj.get("type")
        if kind == "hello":
            self.t_hello = time.perf_counter()
            self.last_seq = -1
        elif kind == "error":
            self.errors.append(str(obj.get("code")))

    # --- sending -------------------------------------------------------------------------
    def _write(self, opcode: int, payload: bytes):
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(opcode, payload))

    def send_json(self, obj: dict):
        """One client message, in the socket's codec (the name predates msgpack)."""
        if self.msgpack:
            self._write(OP_BINARY, msgpack.packb(obj))
        else:
            self._write(OP_TEXT, json.dumps(obj, separators=(",", ":")).encode())

    def close(self, code: int = 1000):
        if self.state == OPEN:
            self._write(OP_CLOSE, struct.pack("!H", code))
            self.state = CLOSING
        if self.transport is not None:
            self.transport.close()

    def drop(self):
        """Drops the connection at once, as a phone losing its network would (no close frame)."""
        if self.transport is not None:
            self.transport.abort()
            self.transport = None
        self.state = CLOSED
        self._gen += 1

    def pause(self):
        if self.transport is not None:
            self.transport.pause_reading()

    def resume(self):
        if self.transport is not None:
            self.transport.resume_reading()

    def tcp_state(self) -> int | None:
        """The kernel's TCP state of the socket (1 established, 7 closed, 8 close-wait)."""
        sock = self.sock
        if sock is None:
            return None
        try:
            return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        except OSError:
            return 7


class Viewer(WsClient):
    """A phone or the big screen watching the tally."""

    track = True


class ProposalViewer(Viewer):
    """A phone on a proposal's page (ws/…/proposals/<id>/): `total` is the support count;
    it also keeps when it first showed the proposal in review and "best" (promoted)."""

    state_type = "proposal"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.t_in_review = 0.0  # wall time a frame with in_review=true was first shown
        self.t_best = 0.0  # … with best=true

    def make_frame(self, obj: dict) -> Tally:
        return ProposalFrame(obj)

    def on_text(self, payload: bytes, now: float):
        super().on_text(payload, now)
        latest = self.latest
        if latest is not None:
            if latest.in_review and not self.t_in_review:
                self.t_in_review = now
            if latest.best and not self.t_best:
                self.t_best = now


class SiteListViewer(WsClient):
    """A phone on a site's proposal list (ws/…/proposals/): `total` is one proposal's support
    count in the list's counts. Not tracked (the proposal viewers carry the latency figures)."""

    state_type = "proposal_counts"

    def __init__(self, *args, proposal_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal_id = proposal_id

    def make_frame(self, obj: dict) -> Tally:
        return CountsFrame(obj, self.proposal_id)


class WsVoter(WsClient):
    """A logged-in citizen who casts one ballot over the socket: {"type": "vote"} → ack/error.

    A socket still connecting when the ballot is due sends it as soon as the handshake is done
    (rolling voters connect shortly before their ballot and close after the reply)."""

    track = False

    def __init__(self, *args, ref: str, option: int, close_after_reply: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.ref = ref
        self.option = option
        self.close_after_reply = close_after_reply
        self.pending = False
        self.t_sched = 0.0  # wall time the ballot was due
        self.t_sent = 0.0  # wall time it was written
        self.t_reply = 0.0
        self.ballot: int | None = None
        self.reply_ts = None  # the server's ms timestamp in the ack
        self.reply_error: str | None = None
        self.done: asyncio.Future | None = None

    def vote(self, t_sched: float):
        self.t_sched = t_sched
        self.done = asyncio.get_running_loop().create_future()
        if self.state == CONNECTING:
            self.pending = True
            return
        if self.state != OPEN:
            self.t_reply = time.time()
            self.reply_error = f"socket not open ({self.error or 'closed'})"
            self.done.set_result(False)
            return
        self._send_vote()

    def _send_vote(self):
        self.pending = False
        self.t_sent = time.time()
        self.send_json({"type": "vote", "ref": self.ref, "option": self.option})

    def on_open(self):
        if self.pending:
            self._send_vote()

    def on_message(self, obj: dict, now: float):
        kind = obj.get("type")
        if kind == "ack" and obj.get("ref") == self.ref:
            self._reply(now, ballot=obj.get("ballot"), ts=obj.get("ts"))
        elif kind == "error" and self.done is not None and obj.get("ref") in (self.ref, None):
            self.errors.append(str(obj.get("code")))
            self._reply(now, error=str(obj.get("code")))
        else:
            super().on_message(obj, now)

    def _reply(self, now, *, ballot=None, ts=None, error=None):
        if self.done is None or self.done.done():
            return
        self.t_reply = now
        self.ballot = ballot if isinstance(ballot, int) else None
        self.reply_ts = ts
        if error is None and self.ballot is None:
            error = "ack without ballot id"
        self.reply_error = error
        self.done.set_result(error is None)
        if self.close_after_reply:
            self.close()

    def connection_lost(self, exc):
        super().connection_lost(exc)
        self._lost_before_reply()

    def _lost_before_reply(self):
        if self.done is not None and not self.done.done():
            self.t_reply = time.time()
            self.reply_error = (
                "connection failed before the ballot was sent"
                if self.pending
                else "connection lost before the reply"
            )
            self.done.set_result(False)


# --- the flooder --------------------------------------------------------------------------------
# What one abusive account sends (the flood scenario), each kind with the reply a server without
# a frame limit gives it: `vote` (a ballot the account already cast: `already_voted`), `ping`
# (`pong`), `garbage` (text that is not JSON: `bad_json`), `large` (5,000 bytes, over the
# 4,096-byte limit: `too_large`), `unknown` (`unknown_type`), `resync` (a snapshot read from
# rows: a `tally`). Garbage is valid UTF-8: invalid text would make the server close the
# socket (1007) instead of answering.
FLOOD_KINDS = ("vote", "ping", "garbage", "large", "unknown", "resync")
FLOOD_REF = "flood"


def parse_flood_mix(text: str) -> dict[str, int]:
    """'vote=1,ping=2' → {'vote': 1, 'ping': 2} (weights; unknown kinds are an error)."""
    mix = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        kind, _, weight = part.partition("=")
        kind = kind.strip()
        if kind not in FLOOD_KINDS:
            raise ValueError(f"unknown flood frame kind {kind!r}; choose from {', '.join(FLOOD_KINDS)}")
        mix[kind] = int(weight or 1)
    if not any(mix.values()):
        raise ValueError("the flood mix has no frame with a weight above 0")
    return {k: v for k, v in mix.items() if v > 0}


def flood_payload(kind: str, option: int) -> bytes:
    if kind == "vote":
        obj = {"type": "vote", "ref": FLOOD_REF, "option": option}
    elif kind == "ping":
        obj = {"type": "ping", "echo": FLOOD_REF}
    elif kind == "garbage":
        return b"this is not json {{{"
    elif kind == "large":
        obj = {"type": "ping", "echo": FLOOD_REF, "pad": "x" * 5000}
    elif kind == "unknown":
        obj = {"type": "flood"}
    elif kind == "resync":
        obj = {"type": "resync"}
    else:
        raise ValueError(kind)
    return json.dumps(obj, separators=(",", ":")).encode()


def flood_block(mix: dict[str, int], option: int, *, seed: int = 1, size: int = 64) -> tuple[bytes, dict]:
    """One block of masked frames in the mix's proportions, interleaved, encoded once and
    written again and again (the masking key need not change between frames for the server).
    Returns (bytes, frames per kind in the block)."""
    import random

    total = sum(mix.values())
    kinds = []
    for kind, weight in mix.items():
        kinds += [kind] * max(1, round(size * weight / total))
    random.Random(seed).shuffle(kinds)
    frames = {kind: encode_frame(OP_TEXT, flood_payload(kind, option)) for kind in mix}
    counts = {kind: kinds.count(kind) for kind in mix}
    return b"".join(frames[k] for k in kinds), counts


class Flooder(WsClient):
    """One socket of the abusive account: writes its block of frames as fast as the server
    takes them (whenever the transport's buffer is below `high_water`: TCP's own back-pressure
    sets the pace, no busy loop), counts every reply by kind (`pong`, `error:<code>`, `tally`),
    and, when the server closes it, reconnects after `reconnect_delay` s (negative: stays
    closed), as an attacker would."""

    msgpack = False  # JSON text, what a browser speaks
    state_type = "tally"

    def __init__(self, *args, block: bytes, block_counts: dict, high_water: int = 256 * 1024, **kwargs):
        super().__init__(*args, **kwargs)
        self.block = block
        self.block_counts = block_counts
        self.high_water = high_water
        self.writes = 0
        self.replies: dict[str, int] = {}
        self.kinds: dict[bytes, str] = {}
        self.ended: dict[str, int] = {}  # how each connection ended, by server close code
        self.reconnects = 0
        self.connect_failures = 0
        self.writable = asyncio.Event()
        self.writable.set()
        self.counting = False

    def connection_made(self, transport):
        super().connection_made(transport)
        transport.set_write_buffer_limits(high=self.high_water)
        self.writable.set()

    def pause_writing(self):
        self.writable.clear()

    def resume_writing(self):
        self.writable.set()

    def connection_lost(self, exc):
        was_open = self.state in (OPEN, CLOSING)
        super().connection_lost(exc)
        self.writable.set()
        if was_open and self.counting:
            key = f"server close {self.close_code}" if self.closed_by_server else "lost"
            self.ended[key] = self.ended.get(key, 0) + 1

    def on_text(self, payload: bytes, now: float):
        kind = self.kinds.get(payload)
        if kind is None:
            if payload.startswith(b'{"type":"pong"'):
                kind = "pong"
            elif payload.startswith((b'{"type":"tally"', b'{"type":"hello"')):
                super().on_text(payload, now)  # the snapshot that ends connect(), and broadcasts
                kind = "tally" if payload.startswith(b'{"type":"tally"') else "hello"
            else:
                try:
                    obj = json.loads(payload)
                except ValueError:
                    obj = None
                t = obj.get("type") if isinstance(obj, dict) else None
                kind = f"error:{obj.get('code')}" if t == "error" else str(t)
                if len(self.kinds) < 256:  # constant replies (errors with the same ref) parse once
                    self.kinds[payload] = kind
        if self.counting:
            self.replies[kind] = self.replies.get(kind, 0) + 1

    async def run(self, stop: asyncio.Event, *, reconnect_delay: float, connect_timeout: float = 10.0):
        """Floods until `stop` is set."""
        self.counting = True
        stop_wait = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                if self.state != OPEN:
                    if reconnect_delay < 0:
                        await stop_wait
                        break
                    try:
                        await asyncio.wait_for(asyncio.shield(stop_wait), reconnect_delay)
                        break
                    except asyncio.TimeoutError:
                        pass
                    self.reconnects += 1
                    if not await self.connect(timeout=connect_timeout):
                        self.connect_failures += 1
                    continue
                if not self.writable.is_set():
                    waiter = asyncio.ensure_future(self.writable.wait())
                    await asyncio.wait({waiter, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
                    waiter.cancel()
                    continue
                transport = self.transport
                if transport is not None and not transport.is_closing():
                    transport.write(self.block)
                    self.writes += 1
                await asyncio.sleep(0)
        finally:
            stop_wait.cancel()

    def written(self) -> dict[str, int]:
        return {kind: n * self.writes for kind, n in self.block_counts.items()}
