"""Exports of the statistics: one Excel workbook with a sheet per measure, or one measure as
CSV. Both are written from `tables.tables_for`, the same tables the page shows.

CSV is UTF-8 with a byte-order mark: without it Excel opens UTF-8 as the local code page and
Korean turns into mojibake; other readers skip the mark (`encoding="utf-8-sig"`). Text cells
that start like a formula (= + - @, tab, CR) are written with a leading apostrophe in CSV and
with Excel's quote prefix in the workbook, so no spreadsheet evaluates them."""

import csv
import io
import re

import xlsxwriter

from .tables import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(index: int, title: str) -> str:
    return f"{index} {SHEET_NAME_FORBIDDEN.sub(' ', title)}"[:31]


def workbook(tables: list[Table], *, heading: str) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"strings_to_formulas": False, "in_memory": True})
    bold = book.add_format({"bold": True})
    as_text = book.add_format({"quote_prefix": True})
    for index, table in enumerate(tables, start=1):
        sheet = book.add_worksheet(_sheet_name(index, table.title))
        sheet.write_string(0, 0, heading, bold)
        sheet.write_string(1, 0, table.title, bold)
        for col, label in enumerate(table.columns):
            sheet.write_string(3, col, label, bold)
            sheet.set_column(col, col, max(10, min(len(label) * 2, 40)))
        body = [*table.rows, *([table.total] if table.total else [])]
        for row, values in enumerate(body, start=4):
            for col, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(row, col, value, as_text if value.startswith(FORMULA_STARTS) else None)
                else:
                    sheet.write_number(row, col, value)
        sheet.freeze_panes(4, 0)
    book.close()
    return output.getvalue()


HEADER_ROW = 4  # the row (1-based, as a spreadsheet counts) holding the column labels


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def csv_text(table: Table) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(table.columns)
    for values in [*table.rows, *([table.total] if table.total else [])]:
        writer.writerow([_csv_cell(value) for value in values])
    return output.getvalue().encode("utf-8-sig")
