"""Two browser windows on one debate: one votes, the other's tally moves within a second.

Debian's Chromium driven by Playwright, against a real Daphne process (websockets), with the
demo data. The ORM is never called from this test: the server owns its database."""

import time

import pytest
from playwright.sync_api import expect

from .browsing import log_in, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()


def test_a_vote_in_one_window_moves_the_tally_in_the_other(server_stack, browser):
    base = server_stack.start_server()
    debate = f"{base}/a/sisul/debates/1/"

    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True).new_page()
    screen = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()

    screen.goto(debate)
    expect(screen.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    against = screen.locator("[data-bars] li").nth(1)
    expect(against.locator("[data-count]")).to_have_text("0")
    expect(screen.locator("[data-total]")).to_have_text("0")
    expect(screen.locator("[data-countdown]")).to_contain_text("D-")

    log_in(phone, base, "citizen")
    phone.goto(debate)
    expect(phone.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    phone.locator("label.choice", has_text="금지 반대").click()
    started = time.monotonic()
    phone.click("[data-ballot-form] button[type=submit]")

    expect(against.locator("[data-count]")).to_have_text("1", timeout=1000)
    latency = time.monotonic() - started
    expect(screen.locator("[data-total]")).to_have_text("1")
    expect(phone.locator("[data-voted]")).to_contain_text("금지 반대")
    print(f"vote to other window: {latency * 1000:.0f} ms")

    # Reloading shows the same numbers from the rows, and the second ballot is refused.
    phone.reload()
    expect(phone.locator("[data-voted]")).to_be_visible()
    expect(phone.locator("[data-ballot-form]")).to_have_count(0)
