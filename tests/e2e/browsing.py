"""What the browser tests share: Debian's Chromium (skipped locally when missing, a failure in
CI), its launch arguments, the phone and screen sizes, and tabs that log in through the form
and collect the page's script errors. The `browser` and `module_browser` fixtures
(tests/e2e/conftest.py) launch it through `chromium()`."""

import os
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "demo-pass-2026"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
SCREEN = {"viewport": {"width": 1280, "height": 800}}
LIVE_MS = 5000  # a live update arrives well within this; the wait ends as soon as it does


def require_chromium() -> None:
    """Call at a test module's top: skips the module, or fails it in CI."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI runs this test",
                allow_module_level=True)


@contextmanager
def chromium():
    """Debian's Chromium, headless, closed on the way out."""
    # Imported here: conftest.py imports this module for the socket-only tests as well.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_tab(browser, base: str, user: str | None = None, **options):
    """A page in its own context (its own cookies), logged in as `user` when given; its
    uncaught script errors gather in `tab.errors`."""
    tab = browser.new_context(**options).new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(f"{tab.url}: {exc}"))
    if user:
        log_in(tab, base, user)
    return tab


def log_in(tab, base: str, user: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    tab.goto(f"{base}/accounts/login/")
    tab.fill("input[name=username]", user)
    tab.fill("input[name=password]", password)
    tab.click("form.stack button[type=submit]")
    expect(tab.locator(".whoami")).to_be_visible()


def click_menu_link(tab, link: str) -> None:
    """Click a link of the header's back-office menu as a person does: open its group (a
    closed <details>) first."""
    group = tab.locator(f".account-nav .bo-group:has({link})")
    if group.count() and group.first.get_attribute("open") is None:
        group.first.locator("> summary").click()
    tab.click(f".account-nav {link}")
