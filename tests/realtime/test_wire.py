import pytest
import wsproto
from wsproto.events import TextMessage

from realtime.wire import text_frame


def decode_as_a_client(data: bytes) -> list[str]:
    """Feed server bytes to wsproto's client-side parser after a real handshake."""
    from wsproto.events import AcceptConnection, Request

    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="example.org", target="/ws")))
    next(server.events())
    client.receive_data(server.send(AcceptConnection()))
    next(client.events())
    client.receive_data(data)
    return [event.data for event in client.events() if isinstance(event, TextMessage)]


@pytest.mark.parametrize("payload", ["", "찬성 115, 반대 251", "x" * 125, "y" * 126, "z" * 70000])
def test_prebuilt_frames_are_valid_text_frames_of_every_length_class(payload):
    assert "".join(decode_as_a_client(text_frame(payload))) == payload


def test_two_frames_back_to_back_decode_as_two_messages():
    assert decode_as_a_client(text_frame("a") + text_frame("b")) == ["a", "b"]
