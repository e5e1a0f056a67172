"""The facilitator screen in a real browser: the facilitator projects /a/sisul/manage/debates/1/
screen/, a citizen votes on a phone and the online and combined numbers move; the facilitator
enters the hall's count and the combined number moves, without a reload, on the screen and
on the public page (which switches to its online / 현장 / 합계 table).

Debian's Chromium through Playwright against a real Daphne process with the demo data
(seed_demo): debate 1 is 서울시설공단's pro/con debate, `sisul-facilitator` its facilitator."""

import os
import re

import pytest
from playwright.sync_api import expect

from .browsing import LIVE_MS, new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()


def test_the_screen_follows_online_ballots_and_hall_counts(server_stack, browser):
    base = server_stack.start_server()
    screen = new_tab(browser, base, "sisul-facilitator", viewport={"width": 1280, "height": 800})
    screen.goto(f"{base}/a/sisul/manage/debates/1/screen/")
    expect(screen.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    expect(screen.locator(".screen-qr svg title")).to_have_count(1)
    # Weeks left read as days on the projector, as on the debate page (not "695:59:53").
    expect(screen.locator("[data-countdown]")).to_have_text(re.compile(r"^마감까지 D-\d+ \d\d:\d\d:\d\d$"))
    against = screen.locator("[data-row]").nth(1)
    expect(against.locator("[data-cell=online]")).to_have_text("0")
    expect(against.locator("[data-cell=combined]")).to_have_text("0")

    phone = new_tab(browser, base, "citizen", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone.goto(f"{base}/a/sisul/debates/1/")
    expect(phone.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    expect(screen.locator("[data-watching]")).to_have_text("1", timeout=8000)  # the phone is watching
    phone.locator("label.choice", has_text="금지 반대").click()
    phone.click("[data-ballot-form] button[type=submit]")
    expect(phone.locator("[data-voted]")).to_be_visible()
    expect(against.locator("[data-cell=online]")).to_have_text("1", timeout=LIVE_MS)
    expect(against.locator("[data-cell=combined]")).to_have_text("1")
    expect(screen.locator("[data-ballots]")).to_have_text("1")

    # The hall's count, entered on a second facilitator tab: the projected screen follows.
    panel = new_tab(browser, base, "sisul-facilitator")
    panel.goto(f"{base}/a/sisul/manage/debates/1/screen/")
    option = against.locator("th").inner_text()
    panel.select_option("[data-offline-form] select[name=option]", label=option)
    panel.fill("[data-offline-form] input[name=count]", "30")
    panel.fill("[data-offline-form] input[name=label]", "현장 거수")
    panel.click("[data-offline-form] button[type=submit]")
    expect(panel.locator("[data-entries] li").first).to_contain_text("현장 거수")
    expect(against.locator("[data-cell=offline]")).to_have_text("30", timeout=LIVE_MS)
    expect(against.locator("[data-cell=combined]")).to_have_text("31")
    expect(screen.locator("[data-entries] li").first).to_contain_text("현장 거수", timeout=LIVE_MS)

    # The public page (live tally) switches from the online bars to the labelled split.
    split = phone.locator("[data-split='']")
    expect(split).to_be_visible(timeout=LIVE_MS)
    expect(phone.locator("[data-bars]")).to_be_hidden()
    row = split.locator("tbody tr", has_text=option)
    for cell, value in (("online", "1"), ("offline", "30"), ("combined", "31")):
        expect(row.locator(f"[data-cell={cell}]")).to_have_text(value)
    expect(split.locator("[data-split-totals] [data-cell=combined]")).to_have_text("31")
    phone.reload()  # the rendered page says the same
    expect(phone.locator("[data-split=''] tbody tr", has_text=option).locator("[data-cell=combined]")).to_have_text("31")
    split.scroll_into_view_if_needed()
    phone.screenshot(path=os.environ.get("RESULTS_SPLIT_SCREENSHOT", "/tmp/results-split.png"))

    # Reveal: the projected chart appears, its bars labelled in text.
    expect(screen.locator("[data-chart]")).to_be_hidden()
    panel.click("[data-control=reveal]")
    expect(screen.locator("[data-chart]")).to_be_visible(timeout=LIVE_MS)
    expect(screen.locator("[data-chart-option] [data-value=combined]").nth(1)).to_contain_text("31")
    screen.screenshot(path=os.environ.get("FACILITATOR_SCREENSHOT", "/tmp/facilitator-screen.png"), full_page=True)
    assert screen.errors == [] and phone.errors == [] and panel.errors == []
