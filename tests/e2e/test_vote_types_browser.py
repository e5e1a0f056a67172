"""Each vote type in a real browser: a citizen votes on a phone, and another window's tally (or
opinion ranking) follows live, without a reload.

Debian's Chromium through Playwright against a real Daphne process with the demo data
(seed_demo): debate 2 is the city's multiple choice (up to 2), 3 서울교통공사's research
survey (questions 1 and 2 required, 2 allows two answers), 4 서울시설공단's discussion."""


import pytest
from playwright.sync_api import expect

from .browsing import LIVE_MS, PHONE, new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()


@pytest.fixture
def site(server_stack, browser):
    base = server_stack.start_server()

    def page(user=None, mobile=False):
        return new_tab(browser, base, user, **(PHONE if mobile else {}))

    page.base = base
    return page


def live(tab, url):
    tab.goto(url)
    expect(tab.locator("[data-live-status]")).to_have_attribute("data-state", "live")


def count_of(tab, label):
    return tab.locator("[data-bars] li", has_text=label).locator("[data-count]")


def test_multiple_choice_up_to_two(site):
    url = f"{site.base}/debates/2/"
    screen, phone, listing = site(), site("citizen", mobile=True), site()
    live(screen, url)
    live(phone, url)
    live(listing, f"{site.base}/debates/")
    card = listing.locator("[data-debate-id='2']")
    expect(card.locator("[data-participants]")).to_have_text("0")
    phone.check("label:has-text('그늘막') input")
    phone.check("label:has-text('야간 조명') input")
    phone.check("label:has-text('수유실') input")
    phone.click("[data-ballot-form] button[type=submit]")
    expect(phone.locator("[data-feedback]")).to_have_attribute("data-error-code", "too_many_choices")
    phone.uncheck("label:has-text('수유실') input")
    phone.click("[data-ballot-form] button[type=submit]")
    expect(phone.locator("[data-voted]")).to_be_visible()
    expect(count_of(screen, "그늘막")).to_have_text("1", timeout=LIVE_MS)
    expect(count_of(screen, "야간 조명")).to_have_text("1")
    expect(count_of(screen, "수유실")).to_have_text("0")
    expect(screen.locator("[data-total]")).to_have_text("1")
    expect(card.locator("[data-participants]")).to_have_text("1", timeout=LIVE_MS)  # the list, live too
    assert screen.errors == [] and phone.errors == [] and listing.errors == []


def test_research_survey_with_a_required_question(site):
    url = f"{site.base}/a/seoul-metro/debates/3/"
    screen, phone = site(), site("citizen2", mobile=True)
    live(screen, url)
    live(phone, url)
    phone.check("label:has-text('매일') input")
    # Question 2 is required; the browser's own check is bypassed to see the server's answer.
    phone.evaluate("document.querySelector('[data-ballot-form]').noValidate = true")
    phone.click("[data-ballot-form] button[type=submit]")
    expect(phone.locator("[data-feedback]")).to_have_attribute("data-error-code", "missing_answer")
    phone.check("label:has-text('혼잡도') input")
    phone.check("label:has-text('냉난방') input")
    phone.click("[data-ballot-form] button[type=submit]")
    expect(phone.locator("[data-voted]")).to_be_visible()
    for label in ("매일", "혼잡도", "냉난방"):
        expect(count_of(screen, label)).to_have_text("1", timeout=LIVE_MS)
    expect(count_of(screen, "화장실")).to_have_text("0")
    assert screen.errors == [] and phone.errors == []


def test_discussion_opinions_and_supports_rank_live(site):
    url = f"{site.base}/a/sisul/debates/4/"
    screen, writer, supporter = site(), site("citizen", mobile=True), site("citizen2")
    live(screen, url)
    writer.goto(url)
    writer.fill("#opinion-body", "종이 응원도구를 <b>나눠</b> 주면 좋겠습니다")
    writer.click("form:has(#opinion-body) button[type=submit]")
    opinion = screen.locator("[data-opinions] > li[data-opinion]").first
    expect(opinion).to_contain_text("종이 응원도구를 나눠 주면 좋겠습니다", timeout=LIVE_MS)
    assert opinion.locator("b").count() == 0
    expect(opinion.locator("[data-supports]")).to_have_text("0")
    live(supporter, url)
    supporter.locator("[data-opinions] > li[data-opinion]").first.get_by_role("button").click()
    expect(opinion.locator("[data-supports]")).to_have_text("1", timeout=LIVE_MS)
    assert screen.errors == [] and writer.errors == [] and supporter.errors == []
