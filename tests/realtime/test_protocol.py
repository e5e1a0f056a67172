import json

import pytest

from realtime import protocol


@pytest.mark.parametrize(
    "text,data,code",
    [
        ("not json", None, "bad_json"),
        ("[]", None, "bad_frame"),
        ('"ping"', None, "bad_frame"),
        ('{"type": 5}', None, "bad_frame"),
        ('{"no": "type"}', None, "bad_frame"),
        ('{"type": "vote_twice"}', None, "unknown_type"),
        (None, b"\x00\x01", "bad_frame"),
        (None, None, "bad_frame"),
        ('{"type": "ping", "pad": "' + "x" * 5000 + '"}', None, "too_large"),
        ("[" * 2000 + "]" * 2000, None, "bad_json"),
    ],
)
def test_bad_client_frames_raise_protocol_errors(text, data, code):
    with pytest.raises(protocol.ProtocolError) as exc:
        protocol.parse_client_frame(text, data)
    assert exc.value.code == code


@pytest.mark.parametrize("kind", ["ping", "resync"])
def test_known_client_frames_parse(kind):
    assert protocol.parse_client_frame(json.dumps({"type": kind})).type == kind


def test_frames_are_compact_json_with_korean_kept():
    frame = protocol.encode(protocol.tally(seq=3, state={"options": [{"label": "찬성", "count": 1}]}))
    assert "찬성" in frame and json.loads(frame)["seq"] == 3 and json.loads(frame)["v"] == protocol.PROTOCOL_VERSION
