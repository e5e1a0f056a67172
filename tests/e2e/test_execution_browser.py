"""Execution tracking in a real browser, with the demo data (seed_demo): 서울시설공단's admin
tracks proposal 4 (adopted: its department's partial accept was approved) from the proposal's
back-office page, posts an update that moves the status, and a citizen who supported the
proposal finds the item on the public board, reads the update and follows it.

Debian's Chromium through Playwright against a real Daphne process."""


import pytest
from playwright.sync_api import expect

from .browsing import new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()

TITLE = "장애인 체육시설 평일 저녁 운영"


def test_admin_tracks_a_proposal_and_a_supporter_follows_it(server_stack, browser):
    base = server_stack.start_server()

    citizen = new_tab(browser, base, "citizen")
    citizen.goto(f"{base}/a/sisul/proposals/4/")
    citizen.click("[data-support-form] button[type=submit]")
    expect(citizen.locator("[data-support-form] button[type=submit]")).to_have_attribute("aria-pressed", "true")

    admin = new_tab(browser, base, "sisul-admin")
    admin.goto(f"{base}/a/sisul/manage/proposals/4/")
    admin.click("a[href$='/manage/executions/new/?proposal=4']")
    expect(admin.locator("select[name=proposal]")).to_have_value("4")
    admin.fill("input[name=title]", TITLE)
    admin.fill("textarea[name=summary]", "평일 저녁 운영을 시범 도입합니다.")
    admin.select_option("select[name=department]", label="체육시설운영팀")
    admin.fill("textarea[name=note]", "시범 운영 계획 수립")
    admin.click("form.bo-form button[type=submit]")
    expect(admin.locator("h1")).to_contain_text(TITLE)
    admin.fill("textarea[name=update-body]", "평일 저녁 9시까지 시범 운영을 시작했습니다.")
    admin.select_option("select[name=update-status]", value="in_progress")
    admin.click("input[name=action][value=update] ~ button[type=submit]")
    expect(admin.locator("[data-execution-status]")).to_have_attribute("data-execution-status", "in_progress")
    expect(admin.locator("[data-timeline-entry]")).to_have_count(2)

    citizen.goto(f"{base}/a/sisul/executions/")
    card = citizen.locator("[data-execution]", has_text=TITLE)
    expect(card).to_contain_text("평일 저녁 9시까지 시범 운영을 시작했습니다.")
    card.locator("a").click()
    expect(citizen.locator("[data-execution-status]")).to_have_attribute("data-execution-status", "in_progress")
    expect(citizen.locator("[data-timeline-entry]").last).to_contain_text("평일 저녁 9시까지")
    expect(citizen.locator("[data-source-link]")).to_have_attribute("href", "/a/sisul/proposals/4/")
    citizen.click("[data-follow]")
    expect(citizen.locator("input[name=unfollow]")).to_have_count(1)  # the button became "stop following"
    citizen.goto(f"{base}/a/sisul/executions/following/")
    followed = citizen.locator("[data-followed]")
    expect(followed).to_have_count(1)
    expect(followed).to_contain_text(TITLE)
    expect(followed).to_contain_text("평일 저녁 9시까지 시범 운영을 시작했습니다.")

    # The proposal's public page now leads to the item.
    citizen.goto(f"{base}/a/sisul/proposals/4/")
    expect(citizen.locator("[data-execution-link]")).to_contain_text(TITLE)
    assert citizen.errors == [] and admin.errors == []
