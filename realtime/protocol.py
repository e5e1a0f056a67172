"""The wire protocol between the server and browsers, versioned.

Server → client: hello, tally, proposal, comments, proposal_counts, debate_summary, screen, moderation,
dashboard, ack, pong, error, gone. Client → server: ping, resync, vote.
Every message is an object with a "type". Two codecs carry exactly the same objects, chosen by
the websocket subprotocol: JSON in text frames (`deliberation.v1.json`, or no subprotocol) and
msgpack in binary frames (`deliberation.v1.msgpack`). docs/realtime-protocol.md has an example
of each message."""

import json
import time
from dataclasses import dataclass

import msgpack

PROTOCOL_VERSION = 1
MAX_CLIENT_FRAME_BYTES = 4096
CLIENT_TYPES = frozenset({"ping", "resync", "vote"})

SUBPROTOCOL_JSON = "deliberation.v1.json"
SUBPROTOCOL_MSGPACK = "deliberation.v1.msgpack"
SUBPROTOCOLS = (SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK)


class ProtocolError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ClientMessage:
    type: str
    payload: dict


def server_time_ms() -> int:
    return int(time.time() * 1000)


def encode(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def encode_msgpack(message: dict) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


def json_to_msgpack(text: str) -> bytes:
    """The same message object in the other codec (once per frame per process, not per socket)."""
    return msgpack.packb(json.loads(text), use_bin_type=True)


def choose_subprotocol(offered) -> str | None:
    """The first subprotocol the client offers that the server speaks; None (answer without
    a subprotocol, and speak JSON) when it offers none of them or nothing at all."""
    for name in offered or ():
        if name in SUBPROTOCOLS:
            return name
    return None


GONE_PREFIX = '{"type":"gone"'


def gone(*, topic: str) -> dict:
    """The final frame of a topic that is no longer visible (hidden, trashed, unpublished,
    made private): the socket is closed with 4404 right after it."""
    return {"type": "gone", "code": "not_found", "topic": topic, "message": "This is no longer available."}


def is_gone(text: str) -> bool:
    """Whether an encoded JSON frame is `gone`: encode() writes "type" first and compactly, so a
    prefix test tells without parsing (frames from Redis arrive encoded)."""
    return text.startswith(GONE_PREFIX)


def hello(*, topic: str) -> dict:
    return {"type": "hello", "v": PROTOCOL_VERSION, "topic": topic, "server_time": server_time_ms()}


def tally(*, seq: int, state: dict) -> dict:
    return {"type": "tally", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def proposal(*, seq: int, state: dict) -> dict:
    """A citizen proposal's live state (deliberation.proposals.selectors.proposal_live_state)."""
    return {"type": "proposal", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def comments(*, seq: int, state: dict) -> dict:
    """A proposal's or a debate's latest visible comments (proposals.selectors.proposal_comments_state,
    comments.selectors.debate_comments_state)."""
    return {"type": "comments", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def debate_summary(*, seq: int, state: dict) -> dict:
    """A site's debate list, compactly (debates.selectors.site_debate_summary)."""
    return {"type": "debate_summary", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def proposal_counts(*, seq: int, state: dict) -> dict:
    """The counts a site's proposal list shows (proposals.selectors.site_proposal_counts)."""
    return {"type": "proposal_counts", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def screen(*, seq: int, state: dict) -> dict:
    """A debate's facilitator screen (debates.facilitation.facilitator_state + `watching`)."""
    return {"type": "screen", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def moderation(*, seq: int, state: dict) -> dict:
    """A site's live moderation queue (comments.moderation.moderation_state)."""
    return {"type": "moderation", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def dashboard(*, seq: int, state: dict) -> dict:
    """A site's live dashboard (agencies.dashboard.live_counters + `connected`)."""
    return {"type": "dashboard", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def ack(*, ref, ballot: int) -> dict:
    """Sent only after the ballot is committed."""
    return {"type": "ack", "ref": ref, "ballot": ballot, "ts": server_time_ms()}


def pong(*, echo=None) -> dict:
    return {"type": "pong", "server_time": server_time_ms(), "echo": echo}


def error(*, code: str, message: str, ref=None, retry_after: int | None = None) -> dict:
    frame = {"type": "error", "code": code, "message": message}
    if ref is not None:
        frame["ref"] = ref
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return frame


def parse_client_frame(text: str | None, data: bytes | None = None, *, binary: bool = False) -> ClientMessage:
    """Validates one client frame; anything else raises ProtocolError (never a crash).
    A JSON socket (`binary` false) takes text frames only, a msgpack socket binary frames only;
    the size limit and every later check are the same for both."""
    if binary:
        return _validated(_msgpack_object(text, data))
    if data is not None:
        raise ProtocolError("bad_frame", "Binary frames are not accepted.")
    if text is None:
        raise ProtocolError("bad_frame", "Empty frame.")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CLIENT_FRAME_BYTES:
        raise ProtocolError("too_large", f"Frames are limited to {MAX_CLIENT_FRAME_BYTES} bytes.")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "Frames must be JSON objects.") from None
    return _validated(obj)


_JSON_SCALARS = (str, int, float, bool, type(None))


def _msgpack_object(text: str | None, data: bytes | None):
    if text is not None:
        raise ProtocolError("bad_frame", "This socket speaks msgpack: send binary frames.")
    if not data:
        raise ProtocolError("bad_frame", "Empty frame.")
    if len(data) > MAX_CLIENT_FRAME_BYTES:
        raise ProtocolError("too_large", f"Frames are limited to {MAX_CLIENT_FRAME_BYTES} bytes.")
    try:
        # unpackb bounds every length by the (already limited) input's size.
        obj = msgpack.unpackb(data, raw=False, strict_map_key=True, use_list=True, timestamp=0)
    except (ValueError, TypeError, RecursionError, msgpack.UnpackException):
        # ExtraData, FormatError, StackError and bad UTF-8 are ValueErrors; an unhashable
        # map key is a TypeError.
        raise ProtocolError("bad_msgpack", "Frames must be msgpack maps.") from None
    # Only what JSON can say: no bin, ext or non-string keys, so both codecs validate alike.
    stack = [obj]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                raise ProtocolError("bad_msgpack", "Map keys must be strings.")
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif not isinstance(value, _JSON_SCALARS):
            raise ProtocolError("bad_msgpack", "Only maps, arrays, strings, numbers, booleans and nil.")
    return obj


def _validated(obj) -> ClientMessage:
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise ProtocolError("bad_frame", 'Frames must be JSON objects with a "type".')
    if obj["type"] not in CLIENT_TYPES:
        raise ProtocolError("unknown_type", f"Unknown message type; expected one of {sorted(CLIENT_TYPES)}.")
    return ClientMessage(type=obj["type"], payload=obj)
