"""A small HTTP/1.1 keep-alive client on `asyncio.Protocol`, for casting ballots over HTTP.

A `HttpPool` keeps up to `size` connections to one server; requests wait in a queue for a
free connection (no pipelining), so the time a request spends queued is visible separately
from the server's response time. A connection lost with a request in flight answers it with
status 0: the ballot may or may not have been committed, and it is never retried (a retry
could cast it twice; the correctness check counts such ballots)."""

from __future__ import annotations

import asyncio
import collections
import socket
import time

from .wsclient import IP_BIND_ADDRESS_NO_PORT


class Response:
    __slots__ = ("status", "body", "t_queued", "t_sent", "t_done")

    def __init__(self, status: int, body: bytes, t_queued: float, t_sent: float, t_done: float):
        self.status, self.body = status, body
        self.t_queued, self.t_sent, self.t_done = t_queued, t_sent, t_done


class _Request:
    __slots__ = ("data", "future", "t_queued", "t_sent")

    def __init__(self, data: bytes, future: asyncio.Future):
        self.data, self.future = data, future
        self.t_queued = time.time()
        self.t_sent = 0.0


class HttpConnection(asyncio.Protocol):
    def __init__(self, pool: "HttpPool"):
        self.pool = pool
        self.transport = None
        self.request: _Request | None = None
        self.buf = b""
        self.keep_alive = True

    def connection_made(self, transport):
        self.transport = transport

    def send(self, request: _Request):
        self.request = request
        self.buf = b""
        request.t_sent = time.time()
        self.transport.write(request.data)

    def data_received(self, data: bytes):
        if self.request is None:
            return
        buf = self.buf + data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            self.buf = buf
            return
        head = buf[:end]
        status_line, _, headers = head.partition(b"\r\n")
        parts = status_line.split(b" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        length = 0
        chunked = False
        keep_alive = True
        for line in headers.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.strip().lower() == b"close":
                keep_alive = False
        body_start = end + 4
        if chunked:
            body = _dechunk(buf, body_start)
            if body is None:
                self.buf = buf
                return
        else:
            if len(buf) < body_start + length:
                self.buf = buf
                return
            body = buf[body_start : body_start + length]
        self.buf = b""
        request, self.request = self.request, None
        if not request.future.done():
            request.future.set_result(Response(status, body, request.t_queued, request.t_sent, time.time()))
        if not keep_alive:
            self.keep_alive = False
            self.transport.close()
        else:
            self.pool._release(self)

    def connection_lost(self, exc):
        self.transport = None
        self.pool._lost(self)
        request, self.request = self.request, None
        if request is not None and not request.future.done():
            request.future.set_result(
                Response(0, b"connection lost", request.t_queued, request.t_sent, time.time())
            )


def _dechunk(buf: bytes, pos: int) -> bytes | None:
    parts = []
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(buf[pos:eol].split(b";")[0], 16)
        start = eol + 2
        if len(buf) < start + size + 2:
            return None
        if size == 0:
            return b"".join(parts)
        parts.append(buf[start : start + size])
        pos = start + size + 2


class HttpPool:
    def __init__(self, host: str, port: int, *, size: int = 32, sources: list[str] | None = None):
        self.host, self.port, self.size = host, port, size
        self.sources = sources or [None]
        self.idle: collections.deque[HttpConnection] = collections.deque()
        self.queue: collections.deque[_Request] = collections.deque()
        self.live = 0
        self.opening = 0
        self.connect_errors = 0
        self._n = 0

    async def _open(self) -> HttpConnection | None:
        loop = asyncio.get_running_loop()
        source = self.sources[self._n % len(self.sources)]
        self._n += 1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            if source:
                sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                sock.bind((source, 0))
            await loop.sock_connect(sock, (self.host, self.port))
            _, conn = await loop.create_connection(lambda: HttpConnection(self), sock=sock)
        except OSError:
            sock.close()
            self.connect_errors += 1
            return None
        return conn

    async def warm(self):
        """Opens every connection before the measured phase."""
        conns = await asyncio.gather(*(self._open() for _ in range(self.size - self.live)))
        for conn in conns:
            if conn is not None:
                self.live += 1
                self._release(conn)

    def request(self, data: bytes) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        req = _Request(data, future)
        if self.idle:
            self.idle.popleft().send(req)
        else:
            self.queue.append(req)
            if self.live + self.opening < self.size:
                self._spawn()
        return future

    def _spawn(self):
        self.opening += 1

        async def opener():
            conn = await self._open()
            self.opening -= 1
            if conn is None:
                if not self.live and not self.opening:
                    while self.queue:
                        req = self.queue.popleft()
                        now = time.time()
                        req.future.set_result(Response(0, b"connect failed", req.t_queued, now, now))
                return
            self.live += 1
            self._release(conn)

        asyncio.get_running_loop().create_task(opener())

    def _release(self, conn: HttpConnection):
        if self.queue:
            conn.send(self.queue.popleft())
        else:
            self.idle.append(conn)

    def _lost(self, conn: HttpConnection):
        self.live -= 1
        try:
            self.idle.remove(conn)
        except ValueError:
            pass
        if self.queue and self.live + self.opening < self.size:
            self._spawn()

    def close(self):
        while self.idle:
            conn = self.idle.popleft()
            if conn.transport is not None:
                conn.transport.close()


def ballot_request(*, host: str, port: int, path: str, session_key: str, csrf: str, option: int) -> bytes:
    """POST …/ballot.json as a browser's fetch would send it (session + CSRF cookie + header)."""
    body = b'{"option": %d}' % option
    origin = f"http://{host}:{port}"
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Cookie: sessionid={session_key}; csrftoken={csrf}\r\n"
        f"X-CSRFToken: {csrf}\r\n"
        f"Origin: {origin}\r\n"
        f"Referer: {origin}/\r\n"
        "\r\n"
    )
    return head.encode() + body


def support_request(*, host: str, port: int, path: str, session_key: str, csrf: str) -> bytes:
    """POST …/proposals/<id>/support.json as the page script (proposal.js) sends it: body
    `{}`, with the same session, CSRF cookie + header and Origin as `ballot_request`."""
    body = b"{}"
    origin = f"http://{host}:{port}"
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Content-Type: application/json\r\n"
        "Accept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Cookie: sessionid={session_key}; csrftoken={csrf}\r\n"
        f"X-CSRFToken: {csrf}\r\n"
        f"Origin: {origin}\r\n"
        f"Referer: {origin}/\r\n"
        "\r\n"
    )
    return head.encode() + body
