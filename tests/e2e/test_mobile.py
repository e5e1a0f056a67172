"""Most citizens vote from phones (issue 10): the pages a citizen uses fit 360 CSS px and every
target a finger hits is at least 44×44 CSS px; a vote is cast by tapping; the key pages render
at phone and projector sizes.

The touch-target rule measured here (tests/e2e/screenshots.py TARGETS_JS does the measuring):
every visible a[href], button, input, select, textarea, summary and every label of a radio or
checkbox has a bounding box of at least 44×44 CSS px (WCAG 2.5.5, level AAA), except
- a radio or checkbox with a <label> (around it, or pointing at it with `for`), which is
  measured through that label: tapping the label ticks it, so the label is the target;
- an inline link inside running text (display: inline, and its block holds other words), which
  WCAG 2.5.5 exempts as a target "in a sentence or block of text": a sentence cannot be spaced
  out to 44 px per link. A link standing alone (a card title, a nav or footer link, a pagination
  link) is not exempt;
- visually hidden elements (1 px clip) and the skip link while off screen, which no finger hits.

One Daphne process and one Chromium for the whole module, on a copy of the demo data
(seed_demo); the screenshot test checks that pages render (colours, heading, no overflow) and
never compares pixels with docs/screenshots/, which is for people to review."""

import os

import pytest
from playwright.sync_api import expect

from .browsing import LIVE_MS, require_chromium
from .screenshots import (
    LOGGED_OUT_PAGES, MIN_TARGET, PHONE, PHONE_PAGES, PROJECTOR, distinct_colours, new_page, overflow,
    small_targets, targets, vote_by_tapping,
)
from .servers import ServerStack

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    stack = ServerStack(tmp_path_factory.mktemp("mobile"), redis_url=os.environ.get("REDIS_URL") or None)
    try:
        yield stack.start_server()
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def browser(module_browser):
    return module_browser


@pytest.fixture(scope="module")
def phone(browser, base):
    """`citizen` on a phone; it only looks (the voting test uses `citizen2`), so the ballot
    forms stay on screen whatever order the tests run in."""
    page = new_page(browser, base, PHONE, "citizen")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def visitor(browser, base):
    page = new_page(browser, base, PHONE)
    yield page
    page.context.close()


def report(offenders) -> str:
    return "\n".join(f"  {t['what']} {t['text']!r}: {t['width']}×{t['height']}" for t in offenders)


def test_the_rule_reports_small_targets_and_exempts_links_in_text(browser):
    """The measurement itself, on a page made for it: a test that could not fail proves nothing."""
    page = browser.new_context(**PHONE).new_page()
    page.set_content("""<meta name="viewport" content="width=device-width">
      <p>Read the <a href="#t">terms</a> first.</p>
      <p><a href="#alone" id="alone">A link on its own</a></p>
      <p><a href="#all" id="all">All</a> · <a href="#new" id="new">New</a></p>
      <button id="small" style="height:30px">OK</button>
      <label id="choice" style="display:block;min-height:44px"><input type="radio" name="r"> Yes</label>
      <label for="agree" id="agree-label">I agree</label><input type="checkbox" id="agree">
      <input type="checkbox" id="bare">
      <span class="visually-hidden" style="position:absolute;width:1px;height:1px;overflow:hidden">
        <a href="#h">hidden</a></span>""")
    found = {t["what"].split(" > ")[-1]: t for t in targets(page)}
    small = {t["what"].split(" > ")[-1] for t in small_targets(page)}
    assert found["a"]["exempt"] == "inline link in text"
    assert {"a#alone", "a#all", "a#new", "button#small", "label#agree-label", "input#bare[type=checkbox]"} <= small
    assert found["input#agree[type=checkbox]"]["exempt"] == "measured by its label"
    assert "label#choice" not in small and found["input[type=radio]"]["exempt"] == "measured by its label"
    assert not any(t["text"] == "hidden" for t in found.values())
    page.context.close()


@pytest.mark.parametrize("name", list(PHONE_PAGES))
def test_a_phone_page_fits_360_px_and_its_targets_are_44_px(phone, base, name):
    phone.goto(base + PHONE_PAGES[name])
    expect(phone.locator("h1").first).to_be_visible()
    if name.startswith("ballot-") and name != "ballot-discussion":
        expect(phone.locator("[data-ballot-form] label.choice").first).to_be_visible()
    if name == "ballot-discussion":
        expect(phone.locator("#opinion-body")).to_be_visible()
    if name == "proposal":
        expect(phone.locator("[data-support-form] button")).to_be_visible()
        expect(phone.locator("#comment-form textarea")).to_be_visible()
    if name == "results":
        expect(phone.locator("#result-h")).to_be_visible()
    if name == "faq":
        expect(phone.locator("summary").first).to_be_visible()
    assert_fits_and_big_enough(phone, name)


@pytest.mark.parametrize("name", list(LOGGED_OUT_PAGES))
def test_a_logged_out_phone_page_fits_and_its_targets_are_44_px(visitor, base, name):
    visitor.goto(base + LOGGED_OUT_PAGES[name])
    expect(visitor.locator("h1").first).to_be_visible()
    assert_fits_and_big_enough(visitor, name)


def assert_fits_and_big_enough(page, name):
    wider = overflow(page)
    offenders = small_targets(page)
    assert wider <= 0, f"{name}: the page is {wider} px wider than the phone (horizontal scroll)"
    assert not offenders, f"{name}: targets smaller than {MIN_TARGET}×{MIN_TARGET} CSS px:\n{report(offenders)}"
    assert page.errors == []


def test_a_citizen_votes_and_supports_by_tapping(browser, base):
    screen = new_page(browser, base, {"viewport": {"width": 1280, "height": 800}})
    screen.goto(f"{base}/a/sisul/debates/1/")
    expect(screen.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    against = screen.locator("[data-bars] li", has_text="금지 반대").locator("[data-count]")
    before = int(against.inner_text())

    tapper = new_page(browser, base, PHONE, "citizen2")
    vote_by_tapping(tapper, base, "금지 반대")
    expect(against).to_have_text(str(before + 1), timeout=LIVE_MS)

    # Proposal 1 is `citizen`'s: citizen2 supports it with a tap and the count moves in place.
    tapper.goto(f"{base}/proposals/1/")
    supports = tapper.locator("[data-supports]")
    count = int(supports.inner_text())
    button = tapper.locator("[data-support-form] button[type=submit]")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.tap()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(supports).to_have_text(str(count + 1))
    assert tapper.errors == [] and screen.errors == []
    screen.context.close()

    # A comment and an opinion bring their own targets (reply, edit, delete, report, support):
    # measured for the author and for another citizen.
    tapper.fill("#comment-form textarea", "휴대폰으로 남기는 댓글입니다")
    tapper.locator("#comment-form button[type=submit]").tap()
    comment = tapper.locator("[data-comments] > li", has_text="휴대폰으로 남기는 댓글입니다")
    expect(comment).to_be_visible()
    tapper.goto(f"{base}/a/sisul/debates/4/")
    tapper.fill("#opinion-body", "휴대폰으로 남기는 의견입니다")
    tapper.locator("form:has(#opinion-body) button[type=submit]").tap()
    expect(tapper.locator("[data-opinions] > li[data-opinion]", has_text="휴대폰으로 남기는 의견입니다")).to_be_visible()
    for page in (tapper, new_page(browser, base, PHONE, "citizen")):
        page.goto(f"{base}/proposals/1/")
        expect(page.locator(".comment-actions").first).to_be_visible()
        page.locator(".comment-actions summary").first.tap()  # the reply form opens
        expect(page.locator(".comment-actions details textarea").first).to_be_visible()
        assert_fits_and_big_enough(page, f"proposal with a comment ({page.locator('.whoami').inner_text()})")
        page.goto(f"{base}/a/sisul/debates/4/")
        expect(page.locator("[data-opinions] > li[data-opinion] button").first).to_be_visible()
        assert_fits_and_big_enough(page, f"discussion with an opinion ({page.locator('.whoami').inner_text()})")
        page.context.close()


@pytest.fixture(scope="module")
def projector(browser, base):
    """The facilitator's big screen (1920×1080)."""
    page = new_page(browser, base, PROJECTOR, "sisul-facilitator")
    yield page
    page.context.close()


@pytest.mark.parametrize("size, path", [
    ("phone", "/a/sisul/"),
    ("phone", "/a/sisul/debates/1/"),
    ("phone", "/a/sisul/debates/5/"),
    ("projector", "/a/sisul/manage/debates/1/screen/?projector=1"),
    ("projector", "/a/sisul/debates/5/"),
])
def test_key_pages_render_at_phone_and_projector_sizes(request, size, path, base):
    """A screenshot is taken and is not blank: the heading shows, the page has more than a
    handful of colours (text, the site colour, bars), and nothing overflows sideways."""
    page = request.getfixturevalue(size)
    page.goto(base + path)
    heading = page.locator("h1").first
    expect(heading).to_be_visible()
    assert heading.inner_text().strip()
    png = page.screenshot(animations="disabled")
    colours = distinct_colours(page, png)
    assert colours > 20, f"{path} at {size} size looks blank: {colours} colours"
    assert overflow(page) <= 0, f"{path} overflows sideways at {size} size"
    box = heading.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    assert page.errors == []


def test_the_projector_shows_the_tally_and_the_join_code_without_scrolling(projector, base):
    """On a 1920×1080 projector the chart, the QR code and the counters are all on screen: a
    hall cannot scroll the big screen."""
    screen = f"{base}/a/sisul/manage/debates/1/screen/"
    projector.goto(screen)
    reveal = projector.locator("[data-control=reveal]")
    if reveal.get_attribute("aria-pressed") == "false":
        reveal.click()
        expect(projector.locator("[data-control=reveal]")).to_have_attribute("aria-pressed", "true")
    projector.goto(screen + "?projector=1")
    expect(projector.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    height = projector.viewport_size["height"]
    for part in ("[data-chart]", ".screen-qr", ".screen-stats", "[data-countdown]", "h1"):
        box = projector.locator(part).first.bounding_box()
        assert box is not None and box["height"] > 0, f"{part} is not shown"
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{part} is off the projector: {box}"
    assert overflow(projector) <= 0
    assert projector.errors == []
