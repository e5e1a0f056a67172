"""The statistics page in a real browser with script turned off: the charts are there as SVG
with their tables, the range form reports a bad range, and the Excel download holds the
page's totals. Debian's Chromium through Playwright against a real Daphne process with the
demo data (서울교통공사 has proposals filed over the past months)."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from .browsing import new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()


def test_statistics_need_no_script_and_the_download_matches(server_stack, browser):
    base = server_stack.start_server()
    tab = new_tab(browser, base, "metro-admin", java_script_enabled=False, accept_downloads=True)
    tab.goto(f"{base}/a/seoul-metro/")
    tab.click(".bo-group:has(a[href='/a/seoul-metro/manage/statistics/']) > summary")  # no script needed
    tab.click("a[href='/a/seoul-metro/manage/statistics/']")
    chart = tab.locator("svg#chart-proposals")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.stat-bar")).to_have_count(12)  # the last 12 months
    expect(tab.locator("svg#chart-hours rect.stat-bar")).to_have_count(24)
    totals = tab.locator("table[data-measure=monthly] tfoot td")
    proposals, supports = (int(text) for text in totals.all_inner_texts())
    assert proposals >= 3 and supports >= 50  # the demo's history for this agency

    with tab.expect_download() as download:
        tab.click("a[href^='/a/seoul-metro/manage/statistics/export.xlsx']")
    with open(download.value.path(), "rb") as file:  # a temporary name without .xlsx
        book = openpyxl.load_workbook(io.BytesIO(file.read()))
    monthly = list(book.worksheets[0].iter_rows(min_row=5, values_only=True))
    assert monthly[-1][1:] == (proposals, supports)

    tab.fill("input[name=start]", "2026-06-01")
    tab.fill("input[name=end]", "2026-05-01")
    tab.click("form.stat-range button[type=submit]")
    expect(tab.locator("#id_end-error")).to_be_visible()
    expect(tab.locator("svg.stat-chart")).to_have_count(0)
