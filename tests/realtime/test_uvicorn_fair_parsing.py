"""realtime/uvicorn_protocol.py parses a flooding socket's frames a few per loop turn and no
faster than its app takes them: one read of thousands of frames no longer holds the event loop
(docs/performance.md, "One account's flood"). Driven with wsproto's client and a transport
stand-in, so the order, completeness and back-pressure are exact."""

import asyncio

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Ping, Pong, Request, TextMessage

from realtime import uvicorn_protocol
from realtime.uvicorn_protocol import PrebuiltFrameWSProtocol

FRAMES = 2000


class Transport(asyncio.Transport):
    def __init__(self):
        super().__init__()
        self.written = bytearray()
        self.reading = True
        self.closed = False

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data):
        self.written += data

    def pause_reading(self):
        self.reading = False

    def resume_reading(self):
        self.reading = True

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True


async def open_socket(app):
    loop = asyncio.get_running_loop()
    config = Config(app=app, ws="wsproto", lifespan="off")
    protocol = PrebuiltFrameWSProtocol(config, ServerState(), {}, _loop=loop)
    transport = Transport()
    protocol.connection_made(transport)
    client = WSConnection(ConnectionType.CLIENT)
    protocol.data_received(client.send(Request(host="testserver", target="/ws/")))
    for _ in range(100):  # the app task accepts
        await asyncio.sleep(0)
        if transport.written:
            break
    client.receive_data(bytes(transport.written))
    assert any(isinstance(event, AcceptConnection) for event in client.events())
    transport.written.clear()
    return protocol, transport, client


def test_one_read_of_thousands_of_frames_is_parsed_a_few_per_turn_in_order_and_completely():
    received, turns_between = [], []

    async def app(scope, receive, send):
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return
            received.append(message["text"])
            await asyncio.sleep(0)  # the app's own work between frames

    async def main():
        protocol, transport, client = await open_socket(app)
        flood = b"".join(client.send(TextMessage(data=f'{{"type":"ping","n":{n}}}')) for n in range(FRAMES))
        flood += client.send(Ping(payload=b"still-there"))

        ticks = 0

        async def bystander():  # another socket's work: how often does it get the loop?
            nonlocal ticks
            while len(received) < FRAMES:
                ticks += 1
                turns_between.append(len(received))
                await asyncio.sleep(0)

        watcher = asyncio.get_running_loop().create_task(bystander())
        protocol.data_received(flood)  # one read, as uvloop hands over ~256 KB
        # The callback parsed no more than one turn's budget, and stopped reading the socket.
        assert protocol.queue.qsize() <= uvicorn_protocol.MESSAGES_PER_TURN
        assert transport.reading is False
        for _ in range(FRAMES * 20):
            if len(received) == FRAMES and not protocol.parse_pending:
                break
            await asyncio.sleep(0)
        await watcher
        # The ping behind the flood is answered once its turn comes, and reading resumes.
        for _ in range(100):
            if transport.reading:
                break
            await asyncio.sleep(0)
        client.receive_data(bytes(transport.written))
        assert any(isinstance(event, Pong) and event.payload == b"still-there" for event in client.events())
        assert transport.reading is True
        return ticks

    ticks = asyncio.run(main())
    assert received == [f'{{"type":"ping","n":{n}}}' for n in range(FRAMES)]
    # The bystander ran throughout (not only after the last frame): between two of its turns
    # the flooding socket advanced by at most one turn's budget.
    steps = [b - a for a, b in zip(turns_between, turns_between[1:])]
    assert ticks > FRAMES // uvicorn_protocol.MESSAGES_PER_TURN
    assert max(steps) <= uvicorn_protocol.MESSAGES_PER_TURN


def test_the_app_queue_never_holds_more_than_the_high_water_mark_while_the_app_is_slow():
    peak = 0

    async def app(scope, receive, send):
        nonlocal peak
        await receive()
        await send({"type": "websocket.accept"})
        for _ in range(500):
            await asyncio.sleep(0.0005)  # a slow app
            await receive()

    async def main():
        nonlocal peak
        protocol, transport, client = await open_socket(app)
        protocol.data_received(b"".join(client.send(TextMessage(data="x")) for _ in range(500)))
        while protocol.parse_pending or not protocol.queue.empty():
            peak = max(peak, protocol.queue.qsize())
            await asyncio.sleep(0.0002)

    asyncio.run(main())
    assert 0 < peak <= uvicorn_protocol.QUEUE_HIGH_WATER


@pytest.mark.parametrize("budget", [1, 3])
def test_small_budgets_keep_order(monkeypatch, budget):
    monkeypatch.setattr(uvicorn_protocol, "MESSAGES_PER_TURN", budget)
    received = []

    async def app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        while len(received) < 50:
            received.append((await receive())["text"])

    async def main():
        protocol, transport, client = await open_socket(app)
        protocol.data_received(b"".join(client.send(TextMessage(data=str(n))) for n in range(50)))
        for _ in range(5000):
            if len(received) == 50:
                break
            await asyncio.sleep(0)

    asyncio.run(main())
    assert received == [str(n) for n in range(50)]


def test_a_peer_that_keeps_sending_after_the_servers_close_is_dropped_not_parsed():
    async def app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        await send({"type": "websocket.close", "code": 4429})  # closed for flooding

    async def main():
        protocol, transport, client = await open_socket(app)
        protocol.data_received(client.send(TextMessage(data="first")))
        for _ in range(100):
            await asyncio.sleep(0)
            if protocol.close_sent:
                break
        assert protocol.close_sent and not transport.closed
        # The flood goes on behind our close frame: parsing stops and the connection is dropped
        # after FRAMES_AFTER_CLOSE frames, not after the whole stream.
        flood = b"".join(client.send(TextMessage(data="x")) for _ in range(5000))
        protocol.data_received(flood)
        assert transport.closed
        assert protocol.frames_after_close == uvicorn_protocol.FRAMES_AFTER_CLOSE + 1

    asyncio.run(main())


def test_an_honest_peer_echoing_the_close_completes_the_handshake():
    async def app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        await send({"type": "websocket.close", "code": 4404})

    async def main():
        protocol, transport, client = await open_socket(app)
        protocol.data_received(client.send(TextMessage(data="first")))
        for _ in range(100):
            await asyncio.sleep(0)
            if protocol.close_sent:
                break
        # Two frames were already in flight when our close arrived, then the echo: the
        # handshake completes normally.
        in_flight = client.send(TextMessage(data="late-1")) + client.send(TextMessage(data="late-2"))
        client.receive_data(bytes(transport.written))
        closes = [event for event in client.events() if hasattr(event, "code")]
        assert closes and closes[0].code == 4404
        data = in_flight + client.send(closes[0].response())
        protocol.data_received(data)
        assert transport.closed and protocol.frames_after_close == 2

    asyncio.run(main())
