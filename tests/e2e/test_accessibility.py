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
import shutil
import time

import pytest

from .servers import ServerStack

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.servers]

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI runs this test",
                allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "demo-pass-2026"
BLOCKING = {"serious", "critical"}
# The WCAG 2.0/2.1 A and AA rules (KWCAG 2.2 follows WCAG 2.1 AA), plus axe's best practices
# (landmarks, headings, duplicate ids) – only serious and critical findings fail.
AXE_OPTIONS = {"resultTypes": ["violations"],
               "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
LIVE_MS = 5000

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
def browser():
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe():
    return Axe()


def tab_as(browser, base, username=None, **options):
    context = browser.new_context(**options)
    tab = context.new_page()
    if username:
        tab.goto(f"{base}/accounts/login/")
        tab.fill("input[name=username]", username)
        tab.fill("input[name=password]", PASSWORD)
        tab.click("form.stack button[type=submit]")
        expect(tab.locator(".whoami")).to_be_visible()
    return tab


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
    tab = tab_as(browser, stack.base)
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
        tab = tab_as(browser, stack.base, username)
        for path in paths:
            response = audit(axe, tab, path, stack.base, found)
            assert response.status == 200, f"{path} as {username}: {response.status}"
            audited.append(path)
        tab.context.close()
    report(found, audited, started)
