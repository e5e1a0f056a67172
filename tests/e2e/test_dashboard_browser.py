"""The live dashboard (알림판) in a real browser: 서울시설공단's admin opens
/a/sisul/manage/dashboard/; a citizen opens debate 1 on a phone and votes; the dashboard's
"people connected now" and "ballots in the last minute" move without a reload.

Debian's Chromium through Playwright against a real Daphne process with the demo data
(seed_demo, which casts no ballots): debate 1 is 서울시설공단's pro/con debate."""

import pytest
from playwright.sync_api import expect

from .browsing import new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()
# The dashboard is rebuilt every REALTIME_DASHBOARD_SECONDS (3 s) while open; presence of
# other processes' sockets adds a second or two under Redis.
LIVE_MS = 10000


def test_the_dashboard_counts_a_ballot_cast_in_another_browser(server_stack, browser):
    base = server_stack.start_server()
    board = new_tab(browser, base, "sisul-admin", viewport={"width": 1280, "height": 800})
    board.goto(f"{base}/a/sisul/manage/dashboard/")
    expect(board.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    ballots = board.locator("[data-counter=ballots_per_minute]")
    connected = board.locator("[data-counter=connected]")
    expect(ballots).to_have_text("0")
    expect(connected).to_have_text("0", timeout=LIVE_MS)  # filled by the first frame

    phone = new_tab(browser, base, "citizen", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone.goto(f"{base}/a/sisul/debates/1/")
    expect(phone.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    expect(connected).to_have_text("1", timeout=LIVE_MS)
    phone.locator("label.choice", has_text="금지 반대").click()
    phone.click("[data-ballot-form] button[type=submit]")
    expect(phone.locator("[data-voted]")).to_be_visible()
    expect(ballots).to_have_text("1", timeout=LIVE_MS)
    assert not board.errors and not phone.errors
