"""The statistics pages: who may read them, the range form, the SVG charts with their tables,
and the Excel and CSV exports read back with the page's numbers."""

import csv
import io
from html.parser import HTMLParser

import openpyxl
import pytest

from deliberation.agencies.sites import site_reverse
from tests.factories import CitizenFactory, agency_admin, platform_admin

from .conftest import RANGE

pytestmark = pytest.mark.django_db


class Tables(HTMLParser):
    """The page's data tables: {measure: [[cell text, ...], ...]} (header row first)."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-measure" in attrs:
            self.current = self.tables.setdefault(attrs["data-measure"], [])
        elif self.current is not None and tag == "tr":
            self.row = []
        elif self.row is not None and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page_tables(response) -> dict:
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def as_text(value):
    """A cell of the page or of a file, compared by value: numbers as floats (Excel keeps
    17.5 and 10 but reads 10.0 back as 10), nothing to divide as "–"."""
    if value is None or value == "":
        return "–"
    try:
        return float(value)
    except ValueError:
        return value


def same(rows):
    return [[as_text(value) for value in row] for row in rows]


def url(site, name="manage_statistics"):
    return site_reverse(site, name)


# --- who may read -----------------------------------------------------------------------------
def test_agency_admins_read_their_own_statistics_and_get_404_elsewhere(client, world, at_now):
    client.force_login(agency_admin(world.a))
    assert client.get(url(world.a), RANGE).status_code == 200
    for site in (world.b, world.city):
        assert client.get(url(site), RANGE).status_code == 404
        assert client.get(url(site, "manage_statistics_xlsx"), RANGE).status_code == 404
        assert client.get(url(site, "manage_statistics_csv"), {**RANGE, "measure": "monthly"}).status_code == 404
        assert client.get(url(site, "manage_statistics_csv"), {"measure": "nonsense"}).status_code == 404


def test_citizens_get_404_and_anonymous_visitors_log_in(client, world):
    assert client.get(url(world.a)).status_code == 302
    client.force_login(CitizenFactory())
    assert client.get(url(world.a)).status_code == 404


def test_the_city_view_is_the_platform_admins(client, world, at_now):
    client.force_login(agency_admin(world.city))  # a city admin who is not the platform admin
    assert client.get(url(world.city)).status_code == 404
    client.force_login(platform_admin())
    response = client.get(url(world.city), RANGE)
    assert response.status_code == 200
    tables = page_tables(response)
    agencies = {row[0]: row for row in tables["agencies"][1:]}
    assert agencies["가기관"][1:3] == ["5", "4"]
    assert agencies["나기관"][1:3] == ["1", "2"]
    assert tables["monthly"][-1] == ["Total", "7", "7"]
    assert client.get(url(world.b), RANGE).status_code == 200  # and every agency's own


def test_the_nav_links_to_statistics_for_those_who_may_read_them(client, world):
    client.force_login(agency_admin(world.a))
    assert url(world.a).encode() in client.get(site_reverse(world.a, "home")).content
    client.force_login(agency_admin(world.city))
    assert url(world.city).encode() not in client.get(site_reverse(world.city, "home")).content


# --- the page -----------------------------------------------------------------------------------
def test_the_page_shows_each_measure_as_svg_with_its_table(client, world, at_now):
    client.force_login(agency_admin(world.a))
    response = client.get(url(world.a), RANGE)
    html = response.content.decode()
    tables = page_tables(response)
    assert tables["monthly"][0] == ["Month", "Proposals", "Supports"]
    assert tables["monthly"][3:5] == [["2026-03", "1", "1"], ["2026-04", "1", "2"]]
    assert tables["thresholds"][1:3] == [["Support period ended in the range", "5", "–"],
                                          ["Reached the answer threshold", "3", "60.0"]]
    assert tables["decisions"][1] == ["accept", "1", "50.0"]
    assert tables["answer_time"][5] == ["Median days to answer", "17.5"]
    assert tables["hours"][10] == ["09:00", "1", "2", "3"]
    assert "agencies" not in tables
    for chart in ("chart-proposals", "chart-supports", "chart-thresholds", "chart-participation",
                  "chart-decisions", "chart-hours"):
        assert f'<svg class="stat-chart" id="{chart}"' in html
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    assert 'aria-labelledby="chart-proposals-title chart-proposals-desc"' in html
    assert "<title>2026-04: 2</title>" in html  # the supports bar's own title
    assert ">Hour of the day</text>" in html and ">Month</text>" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_default_range_is_the_last_twelve_months(client, world, at_now):
    client.force_login(agency_admin(world.a))
    rows = page_tables(client.get(url(world.a)))["monthly"]
    assert [row[0] for row in rows[1:-1]] == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)]


@pytest.mark.parametrize("params, field, message", [
    ({"start": "2026-06-01", "end": "2026-05-01"}, "end", "The end date is before the start date."),
    ({"start": "2021-01-01", "end": "2026-06-30"}, "start", "at most five years"),
    ({"start": "2026-13-01"}, "start", "Enter a valid date."),
    ({"end": "2030-01-01"}, "end", "more than a year from today"),
])
def test_a_bad_range_is_a_form_error_and_shows_no_figures(client, world, at_now, params, field, message):
    client.force_login(agency_admin(world.a))
    response = client.get(url(world.a), params)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert f'id="id_{field}-error"' in response.content.decode()
    assert "data-measure" not in response.content.decode()
    xlsx = client.get(url(world.a, "manage_statistics_xlsx"), params)
    assert xlsx.status_code == 400 and message in xlsx.content.decode()
    assert client.get(url(world.a, "manage_statistics_csv"), {**params, "measure": "monthly"}).status_code == 400


def test_five_years_exactly_is_allowed(client, world, at_now):
    client.force_login(agency_admin(world.a))
    response = client.get(url(world.a), {"start": "2021-07-01", "end": "2026-06-30"})
    assert len(page_tables(response)["monthly"]) == 1 + 60 + 1


# --- exports ------------------------------------------------------------------------------------
def test_the_workbook_has_a_sheet_per_measure_with_the_pages_numbers(client, world, at_now):
    client.force_login(platform_admin())
    page = page_tables(client.get(url(world.city), RANGE))
    response = client.get(url(world.city, "manage_statistics_xlsx"), RANGE)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="statistics-seoul-2026-01-01-2026-06-30.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == len(page) == 8
    for sheet, (measure, rows) in zip(book.worksheets, page.items(), strict=True):
        assert sheet.cell(1, 1).value == "서울시 statistics, 2026-01-01 to 2026-06-30"
        values = [[as_text(v) for v in row] for row in sheet.iter_rows(min_row=4, values_only=True)]
        assert values == same(rows), measure
    monthly = book.worksheets[0]
    assert [c.value for c in monthly[7]] == ["2026-03", 3, 4]  # numbers, not text
    assert book.worksheets[1].cell(6, 3).value == pytest.approx(57.1)  # 4 of 7 reached the answer threshold


def test_each_measure_as_csv_with_a_bom_and_the_pages_numbers(client, world, at_now):
    client.force_login(agency_admin(world.a))
    page = page_tables(client.get(url(world.a), RANGE))
    for measure, rows in page.items():
        response = client.get(url(world.a, "manage_statistics_csv"), {**RANGE, "measure": measure})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response.content.startswith(b"\xef\xbb\xbf")
        read = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert same(read) == same(rows), measure
    assert client.get(url(world.a, "manage_statistics_csv"), {**RANGE, "measure": "agencies"}).status_code == 404
    assert client.get(url(world.a, "manage_statistics_csv"), {**RANGE, "measure": "x"}).status_code == 400


def test_korean_text_survives_the_csv_and_formula_text_stays_text(client, world, at_now, settings):
    from deliberation.debates.models import Debate

    Debate.objects.filter(agency=world.a, vote_type="discussion").update(title='=HYPERLINK("http://x","토론")')
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    client.force_login(agency_admin(world.a))
    response = client.get(url(world.a, "manage_statistics_csv"), {**RANGE, "measure": "debates"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[2][1] == "가기관"
    assert rows[2][2] == "'=HYPERLINK(\"http://x\",\"토론\")"
    book = openpyxl.load_workbook(io.BytesIO(client.get(url(world.a, "manage_statistics_xlsx"), RANGE).content))
    cell = book.worksheets[3].cell(6, 3)
    assert cell.value == '=HYPERLINK("http://x","토론")' and cell.data_type == "s" and cell.quotePrefix
