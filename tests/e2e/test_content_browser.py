"""Site content in a real browser: 서울시설공단's admin posts a notice, a citizen sees it on the
home page and asks on the Q&A board, the admin answers from the back office, and the citizen
sees the question answered.

Debian's Chromium through Playwright against a real Daphne process with the demo data
(seed_demo): `sisul-admin` runs /a/sisul/, `citizen` is a citizen."""


import pytest
from playwright.sync_api import expect

from .browsing import new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()


def test_notice_question_and_answer(server_stack, browser):
    base = server_stack.start_server()
    admin = new_tab(browser, base, "sisul-admin")
    admin.goto(f"{base}/a/sisul/manage/content/notices/new/")
    admin.fill("input[name=title]", "12월 시설 점검 안내")
    admin.fill("textarea[name=body]", "12월 3일 오전에는 수영장을 점검합니다.")
    admin.check("input[name=is_public]")
    admin.click("form.stack button[type=submit]")
    expect(admin.locator("table.bo-table")).to_contain_text("12월 시설 점검 안내")

    citizen = new_tab(browser, base, "citizen")
    citizen.goto(f"{base}/a/sisul/")
    notice = citizen.locator("[data-home-notices] a", has_text="12월 시설 점검 안내")
    expect(notice).to_be_visible()
    expect(citizen.locator("[data-counter=proposals]")).to_have_text("2")  # 서울시설공단's two demo proposals
    notice.click()
    expect(citizen.locator("h1")).to_have_text("12월 시설 점검 안내")

    citizen.goto(f"{base}/a/sisul/qna/ask/")
    citizen.fill("input[name=title]", "수영장 점검 시간")
    citizen.fill("textarea[name=body]", "점검하는 날 오후에는 수영장을 이용할 수 있나요?")
    citizen.click("form.stack button[type=submit]")
    expect(citizen.locator("h1")).to_have_text("수영장 점검 시간")
    expect(citizen.locator("article [data-state]")).to_have_attribute("data-state", "waiting")
    expect(citizen.locator("a[href$='/edit/']")).to_have_count(1)  # editable while waiting
    question_url = citizen.url

    admin.goto(f"{base}/a/sisul/manage/content/questions/")
    row = admin.locator("table.bo-table tbody tr").first  # waiting questions come first
    expect(row).to_contain_text("수영장 점검 시간")
    row.locator("th a").click()
    admin.fill("textarea[name=answer]", "오후 2시부터 이용하실 수 있습니다.")
    admin.click("form.stack button[type=submit]")
    expect(admin.locator(".messages")).to_be_visible()

    citizen.goto(question_url)
    expect(citizen.locator("article [data-state]")).to_have_attribute("data-state", "answered")
    expect(citizen.locator("[data-answer]")).to_contain_text("오후 2시부터 이용하실 수 있습니다.")
    expect(citizen.locator("a[href$='/edit/']")).to_have_count(0)  # no longer editable
    citizen.goto(f"{base}/a/sisul/qna/?state=answered")
    expect(citizen.locator("tbody tr", has_text="수영장 점검 시간").locator("[data-state]")).to_have_attribute(
        "data-state", "answered")
    assert admin.errors == [] and citizen.errors == []
