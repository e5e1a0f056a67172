"""Accessibility (issue 10, KWCAG / WCAG 2.1 AA): axe-core audits every public page kind on the
city's site and an agency's, the citizen's forms, and the facilitator, moderation, dashboard
and statistics screens, failing on any serious or critical violation; then what axe cannot
judge: polite live regions, text equivalents of charts, keyboard voting, visible focus, the
skip link and the page language.

One Daphne with the demo data and one Chromium serve the whole module (CI runs the suite
twice). The public pages come from the URL conf: tests/security/harness.py fills every
route's converters from the demo rows, in a subprocess against the server's own database, and
a route counts as a public page when it answers an anonymous GET with 200 and HTML. So a new
public page is audited without anyone listing it here."""

import json
import os
import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .browsing import LIVE_MS, new_tab, require_chromium
from .servers import ServerStack

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()

BLOCKING = {"serious", "critical"}
# The WCAG 2.0/2.1 A and AA rules (KWCAG 2.2 follows WCAG 2.1 AA), plus axe's best practices
# (landmarks, headings, duplicate ids) – only serious and critical findings fail.
AXE_OPTIONS = {"resultTypes": ["violations"],
               "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}

# Run in the server's environment (its database): every public route filled with demo ids.
# The city's site and 서울시설공단's in full; of the other agencies only their debates, so each
# vote type is seen (the research survey is 서울교통공사's).
ROUTES_SCRIPT = """
import json
from deliberation.agencies.models import Agency
from deliberation.debates.models import Debate
from tests.security.harness import fill, routes
city = Agency.objects.get(is_city=True)
sites = {"city": [city], "agency": list(Agency.objects.filter(slug="sisul"))}
others = list(Agency.objects.exclude(slug="sisul").exclude(is_city=True))
paths = []
for route in routes():
    namespace = route.name.split(":")[0]
    if namespace == "accounts":
        paths += fill(route, city, missing=False)
    for site in sites.get(namespace, []):
        if "/manage/" in route.template or route.template.startswith("manage/"):
            continue
        paths += [p for p in fill(route, site, missing=False) if "nonsense" not in p]
    if route.name == "agency:debate_detail":
        for site in others:
            paths += fill(route, site, missing=False)
        # The harness takes one debate per vote type; a closed one shows the results.
        paths += [f"/a/{d.agency.slug}/debates/{d.pk}/" for d in Debate.objects.filter(agency__slug="sisul")]
# The 404 page as production serves it (the test server runs with DEBUG, which shows
# Django's technical page instead).
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import page_not_found
request = RequestFactory().get("/no-such-page/")
request.user = AnonymousUser()
translation.activate("ko")
not_found = page_not_found(request, Http404()).content.decode()
print(json.dumps({"paths": sorted(set(paths)), "not_found": not_found}))
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = ServerStack(tmp_path_factory.mktemp("a11y"), redis_url=os.environ.get("REDIS_URL") or None)
    stack.base = stack.start_server()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def browser(module_browser):
    return module_browser


@pytest.fixture(scope="module")
def axe():
    return Axe()


def public_pages(stack, tab) -> tuple[list[str], str]:
    """Every filled public route that answers an anonymous GET with an HTML page, and the
    production 404 page."""
    found = json.loads(stack.manage("shell", "-c", ROUTES_SCRIPT).strip().splitlines()[-1])
    candidates = found["paths"]
    pages = []
    for path in candidates:
        if path.endswith((".json", ".csv", ".xlsx")):
            continue
        response = tab.request.get(stack.base + path, max_redirects=0)
        if response.status == 200 and response.headers.get("content-type", "").startswith("text/html"):
            pages.append(path)
    return pages, found["not_found"]


def audit(axe, tab, path, base, found, *, wait_live=False):
    response = tab.goto(base + path)
    if wait_live:
        expect(tab.locator("[data-live-status]").first).to_have_attribute("data-state", "live")
    # Open every disclosure (the back-office menu groups, FAQ answers) so what they hide is audited too.
    tab.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    results = axe.run(tab, options=AXE_OPTIONS).response
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING:
            for node in violation["nodes"]:
                found.append(f"{violation['id']} ({violation['impact']}) on {path}: {' '.join(map(str, node['target']))}"
                             f" – {violation['help']}")
    assert tab.evaluate("document.documentElement.lang") == "ko", f"{path} is not lang=ko"
    return response


def report(found, audited, started):
    print(f"\naudited {len(audited)} pages in {time.monotonic() - started:.1f} s")
    assert not found, "serious/critical accessibility violations:\n" + "\n".join(found)


def test_every_public_page_passes_axe_anonymously(stack, browser, axe):
    tab = new_tab(browser, stack.base)
    started = time.monotonic()
    pages, not_found = public_pages(stack, tab)
    # The route walk must reach the page kinds the issue names: a guard against a filter that
    # silently drops them.
    for expected in ("/", "/a/sisul/", "/proposals/", "/a/sisul/proposals/", "/debates/2/", "/a/sisul/debates/1/",
                     "/a/seoul-metro/debates/3/", "/a/sisul/debates/4/", "/a/sisul/debates/5/", "/notices/",
                     "/a/sisul/faq/", "/a/sisul/qna/", "/events/", "/a/sisul/executions/", "/a/sisul/executions/1/",
                     "/agencies/", "/accounts/login/", "/accounts/signup/", "/terms/", "/a/sisul/privacy/"):
        assert expected in pages, f"{expected} was not found among the public pages"
    print("\npublic pages:", " ".join(pages))
    found = []
    for path in pages:
        audit(axe, tab, path, stack.base, found)
    # The 404 page is served at a missing path, with the server's own styles.
    tab.route(f"{stack.base}/no-such-page/", lambda route: route.fulfill(
        status=404, body=not_found, content_type="text/html; charset=utf-8"))
    audit(axe, tab, "/no-such-page/", stack.base, found)
    report(found, pages, started)


# Logged-in screens: (user, paths). The citizen's forms are audited before anyone votes.
SCREENS = [
    ("citizen", ["/a/sisul/debates/1/", "/debates/2/", "/a/seoul-metro/debates/3/", "/a/sisul/debates/4/",
                 "/a/sisul/proposals/new/", "/a/sisul/proposals/3/", "/qna/ask/", "/accounts/me/"]),
    ("sisul-facilitator", ["/a/sisul/manage/debates/1/screen/"]),
    ("sisul-moderator", ["/a/sisul/manage/moderation/"]),
    ("sisul-admin", ["/a/sisul/manage/proposals/dashboard/", "/a/sisul/manage/dashboard/",
                     "/a/sisul/manage/statistics/", "/a/sisul/manage/proposals/", "/a/sisul/manage/debates/",
                     "/a/sisul/manage/settings/"]),
]


def test_logged_in_forms_and_staff_screens_pass_axe(stack, browser, axe):
    started = time.monotonic()
    found, audited = [], []
    for username, paths in SCREENS:
        tab = new_tab(browser, stack.base, username)
        for path in paths:
            response = audit(axe, tab, path, stack.base, found)
            assert response.status == 200, f"{path} as {username}: {response.status}"
            audited.append(path)
        tab.context.close()
    report(found, audited, started)


# --- what axe cannot judge ---------------------------------------------------------------------
def focus_ring(tab) -> dict:
    """The focused element and its computed focus indicator."""
    return tab.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), type: el.type || "", cls: el.className, inMain: !!el.closest("main"),
                visible: el.matches(":focus-visible"), outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                shadow: style.boxShadow};
    }""")


def assert_focus_visible(ring, what):
    assert ring["visible"], f"{what}: not :focus-visible after a Tab"
    assert (ring["outline"] != "none" and ring["width"] >= 2) or ring["shadow"] != "none", f"{what}: no focus indicator {ring}"


def tab_to(tab, selector, limit=120) -> dict:
    """Press Tab until the focused element matches `selector` (each stop must show its focus)."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        ring = focus_ring(tab)
        assert_focus_visible(ring, f"{ring['tag']}.{ring['cls']}")
        if tab.evaluate("s => document.activeElement.matches(s)", selector):
            return ring
    raise AssertionError(f"Tab never reached {selector}")


def test_skip_link_and_visible_focus_on_links_buttons_and_inputs(stack, browser):
    tab = new_tab(browser, stack.base)
    tab.goto(f"{stack.base}/a/sisul/")
    tab.keyboard.press("Tab")
    skip = tab.locator(".skip-link")
    expect(skip).to_be_focused()
    assert_focus_visible(focus_ring(tab), "skip link")
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the skip link stays off screen when focused"
    tab.keyboard.press("Enter")
    assert tab.url.endswith("#main")
    tab.keyboard.press("Tab")
    assert focus_ring(tab)["inMain"], "after the skip link, Tab goes on inside the main content"
    # Links, inputs, selects and buttons: the proposal filters, reached from the top of the page.
    tab.goto(f"{stack.base}/a/sisul/proposals/")
    tab_to(tab, "header a")
    tab_to(tab, "main input")
    tab_to(tab, "main select")
    tab_to(tab, "main button")


def test_ballot_by_keyboard_alone_is_counted(stack, browser):
    url = f"{stack.base}/a/sisul/debates/1/"
    screen = new_tab(browser, stack.base)
    screen.goto(url)
    expect(screen.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    first_count = screen.locator("[data-bars] li").first.locator("[data-count]")
    before = int(first_count.inner_text())

    voter = new_tab(browser, stack.base, "citizen2")
    voter.goto(url)
    expect(voter.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    tab_to(voter, "[data-ballot-form] input[type=radio]")
    voter.keyboard.press("Space")
    assert voter.evaluate("document.activeElement.checked")
    chosen = voter.evaluate("document.activeElement.value")
    assert chosen == voter.locator("[data-ballot-form] input[type=radio]").first.get_attribute("value")
    tab_to(voter, "[data-ballot-form] button[type=submit]")
    voter.keyboard.press("Enter")
    expect(voter.locator("[data-voted]")).to_be_visible(timeout=LIVE_MS)
    expect(first_count).to_have_text(str(before + 1), timeout=LIVE_MS)  # acked and counted: the tally moved


def test_live_regions_announce_tallies_supports_and_comments_politely(stack, browser):
    debate = f"{stack.base}/debates/2/"
    screen = new_tab(browser, stack.base)
    screen.goto(debate)
    expect(screen.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    tally = screen.locator("[data-announce]")
    expect(tally).to_have_attribute("aria-live", "polite")
    # The countdown ticks every second: it must not be a polite (or assertive) live region.
    assert screen.locator("[data-countdown]").get_attribute("aria-live") in (None, "off")
    assert screen.locator("[data-countdown][role=status], [data-countdown][role=timer][aria-live=polite]").count() == 0
    assert tally.inner_text() == ""  # nothing is announced on arrival

    voter = new_tab(browser, stack.base, "citizen2")
    voter.goto(debate)
    voter.check("[data-ballot-form] input[type=checkbox] >> nth=0")
    voter.click("[data-ballot-form] button[type=submit]")
    expect(voter.locator("[data-voted]")).to_be_visible()
    expect(tally).to_contain_text("참여자 1", timeout=LIVE_MS + 3000)

    # A support moves the proposal page's polite summary.
    proposal = f"{stack.base}/a/sisul/proposals/3/"
    screen.goto(proposal)
    summary = screen.locator("[data-announce]")
    expect(summary).to_have_attribute("aria-live", "polite")
    expect(screen.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    before = summary.inner_text()
    voter.goto(proposal)
    voter.click("[data-support-form] button[type=submit]")
    expect(voter.locator("[data-support-form] button[type=submit]")).to_have_attribute("aria-pressed", "true")
    expect(summary).not_to_have_text(before, timeout=LIVE_MS + 3000)
    expect(summary).to_contain_text("공감")

    # A comment posted elsewhere is announced on the debate page, as a count.
    screen.goto(debate)
    comments = screen.locator("[data-comments-announce]")
    expect(comments).to_have_attribute("aria-live", "polite")
    expect(screen.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    voter.goto(debate)
    voter.fill("#comment-form textarea", "그늘막이 가장 급합니다")
    voter.click("#comment-form button[type=submit]")
    expect(screen.locator("ol[data-comments]")).to_contain_text("그늘막이 가장 급합니다", timeout=LIVE_MS)
    expect(comments).to_contain_text("새 댓글 1개", timeout=LIVE_MS + 3000)


def test_charts_have_text_equivalents(stack, browser):
    admin = new_tab(browser, stack.base, "sisul-admin")
    admin.goto(f"{stack.base}/a/sisul/manage/statistics/")
    charts = admin.locator("svg.stat-chart")
    assert charts.count() >= 2
    for index in range(charts.count()):
        chart = charts.nth(index)
        expect(chart).to_have_attribute("role", "img")
        name = admin.evaluate("svg => svg.getAttribute('aria-labelledby').split(' ')"
                              ".map(id => document.getElementById(id).textContent.trim())", chart.element_handle())
        assert len(name) == 2 and all(name), f"chart {index} lacks a title and a description: {name}"
        # The numbers are also a table in the same section: every bar's value is one of its cells.
        section = chart.locator("xpath=ancestor::section[1]")
        table = section.locator("table")
        expect(table.locator("caption")).not_to_be_empty()
        cells = {t.strip() for t in table.locator("tbody td, tfoot td").all_inner_texts()}
        values = {t.rsplit(":", 1)[1].strip() for t in chart.locator("rect.stat-bar > title").all_text_contents()}
        assert values and values <= cells, f"chart {index}: values {sorted(values - cells)} are not in its table"
    # The results of a closed debate: each option's label and count are text; the bars only decorate.
    results = new_tab(browser, stack.base)
    results.goto(f"{stack.base}/a/sisul/debates/5/")
    rows = results.locator("[data-bars] li")
    assert rows.count() >= 2
    for index in range(rows.count()):
        row = rows.nth(index)
        assert row.locator(".label").inner_text().strip() and row.locator("[data-count]").inner_text().strip().isdigit()
        expect(row.locator(".bar")).to_have_attribute("aria-hidden", "true")


def test_page_language_follows_the_language_switch(stack, browser):
    tab = new_tab(browser, stack.base)
    tab.goto(f"{stack.base}/a/sisul/debates/1/")
    assert tab.evaluate("document.documentElement.lang") == "ko"
    with tab.expect_navigation():
        tab.select_option("#lang-select", "en")
    assert tab.evaluate("document.documentElement.lang") == "en"
    assert tab.url.endswith("/a/sisul/debates/1/")
    expect(tab.locator("#tally-h")).to_have_text("Current tally")
    tab.goto(f"{stack.base}/proposals/")
    assert tab.evaluate("document.documentElement.lang") == "en"
    with tab.expect_navigation():
        tab.select_option("#lang-select", "ko")
    assert tab.evaluate("document.documentElement.lang") == "ko"


def test_back_office_menu_works_by_keyboard_on_a_phone(stack, browser):
    admin = new_tab(browser, stack.base, "sisul-admin", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    admin.goto(f"{stack.base}/a/sisul/")
    menu = admin.locator("nav.bo-menu")
    expect(menu).to_have_attribute("aria-label", re.compile(".+"))
    statistics = menu.locator("a[href='/a/sisul/manage/statistics/']")
    expect(statistics).to_be_hidden()  # groups start closed
    summary = tab_to(admin, "nav.bo-menu .bo-group:has(a[href='/a/sisul/manage/statistics/']) > summary")
    assert summary["tag"] == "summary"
    admin.keyboard.press("Enter")
    expect(statistics).to_be_visible()
    box = statistics.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"the open group overflows a 360 px screen: {box}"
    assert box["height"] >= 44, "touch target under 44 px"
    tab_to(admin, "a[href='/a/sisul/manage/statistics/']")
    with admin.expect_navigation():
        admin.keyboard.press("Enter")
    assert admin.url.endswith("/a/sisul/manage/statistics/")
    assert admin.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways at 360 px"
