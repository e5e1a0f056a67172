"""A partner platform stand-in: a small Starlette app, served by uvicorn on a loopback port
in a thread, that receives webhook deliveries and verifies each with the `standardwebhooks`
library and the endpoint's secret, as a real partner would. Nothing here imports Django."""

import socket
import threading
import time
from dataclasses import dataclass, field

import anyio
import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: bool
    payload: dict | None
    error: str = ""


@dataclass
class Partner:
    host: str = "127.0.0.1"
    port: int = 0
    secrets: dict[str, str] = field(default_factory=dict)  # path name → the endpoint's secret
    status: int = 204
    received: list[Received] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)  # set: answer; clear: hold
    arrived: threading.Event = field(default_factory=threading.Event)

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/hooks/{name}"

    def block(self) -> None:
        self.gate.clear()

    def unblock(self) -> None:
        self.gate.set()

    def verified(self, path_name: str | None = None) -> list[Received]:
        return [r for r in self.received if r.verified and (path_name is None or r.path == f"/hooks/{path_name}")]

    def types(self) -> list[str]:
        return [r.payload["type"] for r in self.received if r.verified]

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        name = request.path_params["name"]
        try:
            payload = Webhook(self.secrets[name]).verify(body, dict(request.headers))
            record = Received(request.url.path, dict(request.headers), body, True, payload)
        except (WebhookVerificationError, KeyError) as exc:
            record = Received(request.url.path, dict(request.headers), body, False, None, str(exc))
        self.received.append(record)
        self.arrived.set()
        await anyio.to_thread.run_sync(lambda: self.gate.wait(30))
        return Response(status_code=self.status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hooks/{name}", self._receive, methods=["POST"])])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serving:
    def __init__(self, partner: Partner):
        partner.port = partner.port or free_port()
        partner.gate.set()
        self.partner = partner
        self.server = uvicorn.Server(uvicorn.Config(
            partner.app(), host=partner.host, port=partner.port, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Partner:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the partner stand-in did not start")
            time.sleep(0.01)
        return self.partner

    def __exit__(self, *exc):
        self.partner.gate.set()
        self.server.should_exit = True
        self.thread.join(timeout=10)
