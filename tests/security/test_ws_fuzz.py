"""Property-based fuzzing of the websocket message handler, in both codecs (issue 9).

Malformed frames — non-JSON text, binary frames on a JSON socket, text frames on a msgpack
socket, undecodable msgpack, huge frames, non-objects, wrong and unknown types, votes of every
invalid shape — sent by a logged-in citizen to every kind of live channel (debates of each
vote type, their comments, a proposal) on the city's and an agency's site. Each frame must get
an error frame (never `server_error`), the consumer must still answer a ping afterwards, and
no table may change. A well-formed valid vote is not malformed: no generated vote names a real
option (ids out of range, wrong types, strings that are not decimal numbers)."""

import json
from collections import Counter

import msgpack
import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from project.asgi import application
from realtime import protocol

from . import harness
from ..realtime.helpers import ORIGIN, session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 100  # per codec; each example is a fresh socket with up to 10 frames
BROADCASTS = {"tally", "proposal", "comments", "debate_summary", "proposal_counts", "screen", "moderation"}

# --- strategies -----------------------------------------------------------------------------
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
# A string that is not a decimal number (int() of it would be an option id); "²" and "①" stay.
_not_an_id_text = _text.filter(lambda s: not s.strip().isdecimal())
_int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_bad_int = st.one_of(st.integers(min_value=10**6, max_value=2**63 - 1), st.integers(min_value=-(2**63), max_value=0))
_scalar = st.one_of(st.none(), st.booleans(), _int64, st.floats(allow_nan=False, allow_infinity=False), _text)
_any_json = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(_text, inner, max_size=4)), max_leaves=12)
_bad_id = st.one_of(st.none(), st.booleans(), _bad_int, st.floats(allow_nan=False, allow_infinity=False),
                    _not_an_id_text, st.lists(_any_json, max_size=3), st.dictionaries(_text, _any_json, max_size=3))
_bad_ids = st.one_of(_bad_id, st.lists(_bad_id, max_size=70))
_bad_ref = st.one_of(st.text(min_size=65, max_size=80), st.floats(allow_nan=False), st.lists(_scalar, max_size=2))
# Mostly a good ref, so that most votes reach the ballot checks behind it.
_ref = st.one_of(st.none(), st.integers(0, 10**6), st.text(max_size=10), st.none(), _bad_ref)


def _optional(key, strategy):
    return st.one_of(st.just({}), strategy.map(lambda v: {key: v}))


@st.composite
def _bad_vote(draw):
    frame = {"type": "vote"}
    for key, strategy in (("ref", _ref), ("option", _bad_id), ("other_text", _any_json),
                          ("choices", _bad_ids),
                          ("answers", st.one_of(_any_json, st.dictionaries(st.one_of(_text, _bad_int.map(str)),
                                                                           _bad_ids, max_size=4)))):
        frame.update(draw(_optional(key, strategy)))
    return frame


_wrong_type = st.dictionaries(_text, _any_json, max_size=4).flatmap(
    lambda extra: st.one_of(
        st.just({k: v for k, v in extra.items() if k != "type"}),  # no type
        st.one_of(st.none(), st.booleans(), _int64, st.lists(_scalar, max_size=2), st.dictionaries(_text, _scalar, max_size=2))
        .map(lambda t: {**extra, "type": t}),  # a type that is not a string
        _text.filter(lambda t: t not in protocol.CLIENT_TYPES).map(lambda t: {**extra, "type": t}),  # unknown type
    )
)
_not_an_object = st.one_of(_scalar, st.lists(_any_json, max_size=4))
_bad_message = st.one_of(_bad_vote(), _bad_vote(), _bad_vote(), _wrong_type, _not_an_object)


def _is_json(text):
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _packs(value) -> bool:
    try:
        msgpack.packb(value, use_bin_type=True)
    except (OverflowError, ValueError, TypeError):
        return False
    return True


# Frames for a JSON socket: ("text", str) or ("bytes", bytes).
json_frames = st.one_of(
    _bad_message.map(lambda m: ("text", json.dumps(m))),
    _text.filter(lambda s: not _is_json(s)).map(lambda s: ("text", s)),  # not JSON at all
    st.sampled_from(["{", "[1,", '{"type":', "NaN", "-Infinity", '{"type":"vote","option":1e999}', "\x00",
                     "[" * 5000 + "]" * 5000, '{"type":"ping"}' + "x"]).map(lambda s: ("text", s)),
    st.binary(max_size=64).map(lambda b: ("bytes", b)),  # binary frames are refused on a JSON socket
    _bad_message.filter(_packs).map(lambda m: ("bytes", msgpack.packb(m, use_bin_type=True))),
)

_ext = st.builds(msgpack.ExtType, st.integers(0, 127), st.binary(max_size=8))
_msgpack_only = st.one_of(
    st.binary(max_size=16).map(lambda b: {"type": "vote", "option": b}),  # bin
    _ext.map(lambda e: {"type": "ping", "echo": e}),  # ext
    st.dictionaries(st.one_of(_int64, st.booleans(), st.none()), _scalar, min_size=1, max_size=3)
    .map(lambda d: {"type": "ping", **{"k": d}}),  # non-string map keys, nested
    st.dictionaries(_int64, _scalar, min_size=1, max_size=3).map(lambda d: {**d, "type": "ping"}),
)
# Frames for a msgpack socket.
msgpack_frames = st.one_of(
    st.one_of(_bad_message, _msgpack_only).filter(_packs).map(lambda m: ("bytes", msgpack.packb(m, use_bin_type=True))),
    st.binary(max_size=64).map(lambda b: ("bytes", b)),  # arbitrary bytes: mostly not a msgpack map
    st.sampled_from([b"", b"\xc1", b"\x81", b"\x91" * 3000, b"\xdd\xff\xff\xff\xff", b"\xdf\xff\xff\xff\xff",
                     b"\xdb\xff\xff\xff\xff", msgpack.packb({"type": "ping"}) + b"\x00"]).map(lambda b: ("bytes", b)),
    st.one_of(_text, _bad_message.map(json.dumps)).map(lambda s: ("text", s)),  # text frames are refused
)

HUGE = [("text", json.dumps({"type": "vote", "other_text": "x" * 5000})), ("text", "x" * 1_048_576),
        ("bytes", b"\x00" * 1_048_576), ("bytes", msgpack.packb({"type": "vote", "other_text": "가" * 2000}))]


# --- the exchange ---------------------------------------------------------------------------
def _decode(message, binary):
    assert message["type"] == "websocket.send", message
    if binary:
        assert message.get("text") is None, message
        return msgpack.unpackb(message["bytes"], raw=False)
    assert message.get("bytes") is None, message
    return json.loads(message["text"])


async def _reply(communicator, binary):
    """The next frame that answers the client (broadcasts in between are skipped)."""
    while True:
        frame = _decode(await communicator.receive_output(timeout=5), binary)
        if frame.get("type") not in BROADCASTS:
            return frame


async def _exchange(path, frames, *, binary, user, tally):
    cookie = await session_cookie_for(user)
    communicator = WebsocketCommunicator(application, path, headers=[*ORIGIN, cookie],
                                         subprotocols=[protocol.SUBPROTOCOL_MSGPACK] if binary else None)
    connected, _ = await communicator.connect(timeout=5)
    assert connected, path
    try:
        assert _decode(await communicator.receive_output(timeout=5), binary)["type"] == "hello"
        for kind, data in frames:
            # send_input, not send_to: an empty frame is a frame too.
            await communicator.send_input({"type": "websocket.receive", kind: data})
            reply = await _reply(communicator, binary)
            assert reply["type"] == "error", (path, kind, data[:200], reply)
            assert reply["code"] != "server_error", (path, kind, data[:200], reply)
            tally[reply["code"]] += 1
        ping = {"type": "ping", "echo": 7}
        await communicator.send_to(**({"bytes_data": msgpack.packb(ping)} if binary else {"text_data": json.dumps(ping)}))
        assert (await _reply(communicator, binary)) ["type"] == "pong"  # the consumer survived
    finally:
        await communicator.disconnect()


def _live_paths(world) -> list[str]:
    from deliberation.debates.models import Debate
    from deliberation.proposals.models import Proposal

    paths = []
    for debate in Debate.objects.filter(agency__in=[world["city"], world["sisul"], world["metro"]]).order_by("pk"):
        prefix = "/ws/" if debate.agency.is_city else f"/ws/a/{debate.agency.slug}/"
        paths += [f"{prefix}debates/{debate.pk}/", f"{prefix}debates/{debate.pk}/comments/"]
    proposal = Proposal.objects.filter(agency=world["sisul"]).order_by("pk").first()
    paths += [f"/ws/a/sisul/proposals/{proposal.pk}/", "/ws/debates/", "/ws/a/sisul/proposals/"]
    return paths


@pytest.mark.parametrize("codec", ["json", "msgpack"])
def test_malformed_frames_get_an_error_frame_crash_nothing_and_change_no_row(codec):
    world = harness.build_world()
    citizen = world["users"]["citizen"]
    paths = _live_paths(world)
    binary = codec == "msgpack"
    tally, sockets = Counter(), Counter()
    # Half the sockets on a debate that takes ballots, so invalid votes reach the ballot checks.
    voting = [p for p in paths if p.rstrip("/").split("/")[-1].isdigit() and "/debates/" in p]
    before = harness.fingerprint()

    # Derandomized: the same examples every run, so the depth assertions below cannot flake.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(path=st.one_of(st.sampled_from(voting), st.sampled_from(voting), st.sampled_from(paths)), frames=st.lists(msgpack_frames if binary else json_frames, min_size=1, max_size=10))
    @example(path=paths[0], frames=HUGE)
    @example(path=paths[0], frames=[("text", json.dumps({"type": "vote", "option": "²"})),
                                    ("bytes", msgpack.packb({"type": "vote", "choices": ["①"]}))])
    def fuzz(path, frames):
        sockets[path] += 1
        async_to_sync(_exchange)(path, frames, binary=binary, user=citizen, tally=tally)

    fuzz()
    after = harness.fingerprint()
    assert harness.changed_tables(before, after) == []
    # The run reached the deep checks, not only the parser (figures for docs/security.md).
    print(f"\n{codec}: {sum(tally.values())} malformed frames on {len(sockets)} channels; error codes {dict(tally)}")
    assert sum(tally.values()) >= EXAMPLES
    assert {"bad_frame", "too_large", "bad_msgpack" if binary else "bad_json", "unknown_option"} <= set(tally)
    assert tally["unknown_option"] + tally["invalid"] + tally["missing_answer"] + tally["too_many_choices"] >= 10
