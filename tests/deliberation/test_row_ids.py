"""Row ids from client input: only plain ASCII numbers in the 64-bit range are ids."""

import pytest

from deliberation.ids import row_id


@pytest.mark.parametrize("value,expected", [
    (7, 7), ("7", 7), (" 12 ", 12), ("0", 0), (str(2**63 - 1), 2**63 - 1),
    ("²", None), ("①", None), ("٣", None), ("1²", None), ("", None), ("-1", None), (-1, None),
    ("1e3", None), ("0x10", None), (True, None), (False, None), (1.0, None), (None, None), ([1], None),
    (str(2**63), None), (2**63, None), ("9" * 400, None),
])
def test_only_plain_numbers_in_range_are_row_ids(value, expected):
    assert row_id(value) == expected
