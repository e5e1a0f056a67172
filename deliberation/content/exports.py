"""Excel files of the back-office lists (XlsxWriter). Text is never a formula: the workbook
does not turn strings into formulas, and text starting with = + - @ (or a tab / CR) gets
Excel's quote prefix."""

import io

import xlsxwriter
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(*, sheet_name: str, columns, rows) -> bytes:
    """`columns`: objects with key and label; `rows`: dicts of values by key."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"strings_to_formulas": False, "in_memory": True, "remove_timezone": True})
    bold = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet(sheet_name[:31])
    for col, column in enumerate(columns):
        sheet.write_string(0, col, str(column.label), bold)
    for row, values in enumerate(rows, start=1):
        for col, column in enumerate(columns):
            value = values.get(column.key)
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(row, col, value, quoted if value.startswith(FORMULA_STARTS) else None)
            elif hasattr(value, "tzinfo"):
                sheet.write_datetime(row, col, timezone.localtime(value), moment)
            else:
                sheet.write_number(row, col, value)
    sheet.freeze_panes(1, 0)
    book.close()
    return output.getvalue()
