"""Row ids from client input (form fields, JSON bodies, websocket frames, query strings): the
parser every view and service uses, and the form field for lists of rows."""

import re

from django import forms
from django.core.exceptions import ValidationError

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


class RowIdsField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose values must be row ids before any query: a number past
    64 bits reached `pk__in` and SQLite raised OverflowError (a 500 where "not in this list"
    was due); "²" and the like never reach the database either."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        if key == "pk":
            for pk in value if isinstance(value, (list, tuple)) else [value]:
                if row_id(pk) is None:
                    raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                          params={"pk": pk})
        return super()._check_values(value)
