"""Row ids from client input: form fields, JSON bodies, websocket frames and query strings."""

import re

_DIGITS = re.compile(r"\s*([0-9]{1,19})\s*")
_MAX = 2**63 - 1  # a 64-bit primary key (BigAutoField)


def row_id(value) -> int | None:
    """An int (not a bool), or a string of ASCII digits (spaces around allowed), within the
    range of a 64-bit key; None for anything else.

    `str.isdigit()` is not the test: "²" and "①" are digits that int() refuses (a crash where
    a refusal was due), and "٣" is a decimal that int() accepts."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        match = _DIGITS.fullmatch(value)
        if match is None:
            return None
        value = int(match.group(1))
    if not isinstance(value, int) or not 0 <= value <= _MAX:
        return None
    return value
