"""The flood scenario's client against a tiny websocket server of its own (no Django): it
writes its block as the server reads, counts each reply by kind, and, when the server closes
it (as the socket frame limiter will, after sustained abuse), records the close code and
reconnects after the configured delay, or stays closed."""

import asyncio
import json

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

from load_tests.wsclient import Flooder, Hub, flood_block, parse_flood_mix

CLOSE_AFTER = 40  # frames a connection may send before this server refuses and closes it


class LimitingServer(asyncio.Protocol):
    """Answers ping with pong and anything else with an error frame; after CLOSE_AFTER frames,
    one `rate_limited` error and close 4429."""

    connections = 0

    def connection_made(self, transport):
        LimitingServer.connections += 1
        self.transport = transport
        self.ws = WSConnection(ConnectionType.SERVER)
        self.frames = 0
        self.closed = False

    def send(self, obj):
        self.transport.write(self.ws.send(TextMessage(data=json.dumps(obj, separators=(",", ":")))))

    def data_received(self, data):
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, Request):
                self.transport.write(self.ws.send(AcceptConnection()))
                self.send({"type": "hello", "v": 1, "topic": "debate.1", "server_time": 0})
                self.send({"type": "tally", "v": 1, "seq": 1, "ts": 0, "total": 0, "options": []})
            elif isinstance(event, TextMessage) and not self.closed:
                self.frames += 1
                if self.frames > CLOSE_AFTER:
                    self.send({"type": "error", "code": "rate_limited", "message": "Slow down."})
                    self.transport.write(self.ws.send(CloseConnection(code=4429)))
                    self.closed = True
                    self.transport.close()
                elif event.data.startswith('{"type":"ping"'):
                    self.send({"type": "pong", "server_time": self.frames, "echo": "flood"})
                else:
                    self.send({"type": "error", "code": "bad_json", "message": "no"})
            elif isinstance(event, CloseConnection) and not self.closed:
                self.transport.close()


async def _flood(reconnect_delay: float, seconds: float = 1.0) -> Flooder:
    LimitingServer.connections = 0
    loop = asyncio.get_running_loop()
    server = await loop.create_server(LimitingServer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    block, counts = flood_block(parse_flood_mix("ping=1,garbage=1"), 1, size=8)
    flooder = Flooder(
        Hub(), "127.0.0.1", port, "/ws/a/bench/debates/1/", origin=f"http://127.0.0.1:{port}",
        block=block, block_counts=counts,
    )
    try:
        assert await flooder.connect(timeout=5), flooder.error
        stop = asyncio.Event()
        loop.call_later(seconds, stop.set)
        await asyncio.wait_for(flooder.run(stop, reconnect_delay=reconnect_delay), seconds + 5)
    finally:
        flooder.drop()
        server.close()
        await server.wait_closed()
    return flooder


async def test_flooder_counts_replies_and_reconnects_after_a_server_close():
    flooder = await _flood(reconnect_delay=0.1)
    assert flooder.ended.get("server close 4429", 0) >= 2, flooder.ended
    assert flooder.reconnects >= 2 and flooder.connect_failures == 0
    assert LimitingServer.connections == flooder.reconnects + 1
    assert flooder.replies.get("error:rate_limited", 0) >= 2, flooder.replies
    # Before each refusal, CLOSE_AFTER frames were answered, half pongs, half errors.
    assert flooder.replies.get("pong", 0) >= CLOSE_AFTER // 2
    assert flooder.replies.get("error:bad_json", 0) >= CLOSE_AFTER // 2
    assert sum(flooder.written().values()) >= flooder.replies["pong"] + flooder.replies["error:bad_json"]


async def test_flooder_stays_closed_when_told_not_to_reconnect():
    flooder = await _flood(reconnect_delay=-1, seconds=0.5)
    assert flooder.ended == {"server close 4429": 1}
    assert flooder.reconnects == 0 and LimitingServer.connections == 1
    assert flooder.replies.get("error:rate_limited") == 1


def test_flood_mix_rejects_unknown_kinds():
    assert parse_flood_mix("vote=2, ping") == {"vote": 2, "ping": 1}
    with pytest.raises(ValueError):
        parse_flood_mix("vote=1,shout=1")
    with pytest.raises(ValueError):
        parse_flood_mix("vote=0")
