"""The wire protocol between the server and browsers: JSON text frames, versioned.

Server → client: hello, tally, proposal, comments, proposal_counts, debate_summary, screen, dashboard, ack,
pong, error. Client → server: ping, resync, vote.
Every frame is a JSON object with a "type". docs/realtime-protocol.md has an example of each."""

import json
import time
from dataclasses import dataclass

PROTOCOL_VERSION = 1
MAX_CLIENT_FRAME_BYTES = 4096
CLIENT_TYPES = frozenset({"ping", "resync", "vote"})


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


def hello(*, topic: str) -> dict:
    return {"type": "hello", "v": PROTOCOL_VERSION, "topic": topic, "server_time": server_time_ms()}


def tally(*, seq: int, state: dict) -> dict:
    return {"type": "tally", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def proposal(*, seq: int, state: dict) -> dict:
    """A citizen proposal's live state (deliberation.proposals.selectors.proposal_live_state)."""
    return {"type": "proposal", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def comments(*, seq: int, state: dict) -> dict:
    """A proposal's latest visible comments (proposals.selectors.proposal_comments_state)."""
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


def dashboard(*, seq: int, state: dict) -> dict:
    """A site's live dashboard (agencies.dashboard.live_counters + `connected`)."""
    return {"type": "dashboard", "v": PROTOCOL_VERSION, "seq": seq, "ts": server_time_ms(), **state}


def ack(*, ref, ballot: int) -> dict:
    """Sent only after the ballot is committed."""
    return {"type": "ack", "ref": ref, "ballot": ballot, "ts": server_time_ms()}


def pong(*, echo=None) -> dict:
    return {"type": "pong", "server_time": server_time_ms(), "echo": echo}


def error(*, code: str, message: str, ref=None) -> dict:
    frame = {"type": "error", "code": code, "message": message}
    if ref is not None:
        frame["ref"] = ref
    return frame


def parse_client_frame(text: str | None, data: bytes | None = None) -> ClientMessage:
    """Validates one client frame; anything else raises ProtocolError (never a crash)."""
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
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise ProtocolError("bad_frame", 'Frames must be JSON objects with a "type".')
    if obj["type"] not in CLIENT_TYPES:
        raise ProtocolError("unknown_type", f"Unknown message type; expected one of {sorted(CLIENT_TYPES)}.")
    return ClientMessage(type=obj["type"], payload=obj)
