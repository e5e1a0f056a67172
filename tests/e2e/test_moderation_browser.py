"""Live moderation in a real browser: a citizen comments on 서울시설공단's debate 1 while a second
citizen has the page open; the comment arrives on the moderator's live queue without a reload,
the moderator hides it with a reason, and it vanishes from the second citizen's window at once.
Its author, reloading, sees it with the reason.

Debian's Chromium through Playwright against a real Daphne process with the demo data."""

import pytest
from playwright.sync_api import expect

from .browsing import LIVE_MS, new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()


def test_a_hidden_comment_vanishes_from_another_window(server_stack, browser):
    base = server_stack.start_server()
    moderator = new_tab(browser, base, "sisul-moderator")
    moderator.goto(f"{base}/a/sisul/manage/moderation/?queue=recent")
    expect(moderator.locator("[data-live-status]")).to_have_attribute("data-state", "live")

    reader = new_tab(browser, base, "citizen2", viewport={"width": 360, "height": 740}, is_mobile=True)
    reader.goto(f"{base}/a/sisul/debates/1/")
    expect(reader.locator("[data-live-status]")).to_have_attribute("data-state", "live")

    author = new_tab(browser, base, "citizen")
    author.goto(f"{base}/a/sisul/debates/1/")
    author.fill("#comment-form textarea[name=body]", "응원봉은 종이로 바꾸면 어떨까요")
    author.click("#comment-form button[type=submit]")

    comment = reader.locator("ol[data-comments] li", has_text="응원봉은 종이로")
    expect(comment).to_have_count(1, timeout=LIVE_MS)  # arrives live on the other window
    row = moderator.locator("tr[data-item]", has_text="응원봉은 종이로")
    expect(row).to_have_count(1, timeout=LIVE_MS)  # and on the moderator's queue, no reload

    row.locator("input[name=reason]").first.fill("토론 주제와 무관")
    row.locator("button[value=hide]").click()
    expect(moderator.locator(".messages, [role=status]").first).to_be_visible()
    expect(comment).to_have_count(0, timeout=LIVE_MS)  # gone from the reader's window at once
    expect(reader.locator("[data-comment-count]")).to_have_text("0")

    author.reload()
    notice = author.locator("li[data-own-unpublished]")
    expect(notice).to_contain_text("토론 주제와 무관")
    for tab in (moderator, reader, author):
        assert tab.errors == []
