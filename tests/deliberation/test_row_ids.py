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


@pytest.mark.django_db
@pytest.mark.parametrize("value", [str(2**64), "²", "-1", "1.5"])
def test_a_list_of_rows_refuses_what_is_not_an_id_before_any_query(value, django_assert_num_queries):
    from django import forms

    from deliberation.agencies.models import Agency
    from deliberation.ids import RowIdsField

    field = RowIdsField(queryset=Agency.objects.all())
    with django_assert_num_queries(0), pytest.raises(forms.ValidationError) as refused:
        field.clean([value])
    assert refused.value.code == "invalid_pk_value"


def test_a_json_body_nested_too_deep_is_a_400_not_a_crash(rf):
    from deliberation.errors import DomainError
    from deliberation.http import json_body

    request = rf.post("/", data=b"[" * 100_000, content_type="application/json")
    with pytest.raises(DomainError) as refused:
        json_body(request)
    assert refused.value.http_status == 400
