"""Creating an agency in a real browser: the platform admin registers an agency with its colour
and banner and names its admin; the new admin opens the agency's site and sees its name,
colour and banner, can open its back office, and cannot open another agency's back office.

Debian's Chromium through Playwright against a real Daphne process with the demo data."""


import pytest
from playwright.sync_api import expect

from .browsing import new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()


def test_platform_admin_creates_an_agency_and_its_admin_sees_its_own_look(server_stack, browser):
    base = server_stack.start_server()
    platform = new_tab(browser, base, "platform")
    platform.goto(f"{base}/platform/agencies/")
    form = platform.locator("form[data-new-agency]")
    form.locator("input[name=name]").fill("서울에너지공사")
    form.locator("input[name=slug]").fill("energy")
    form.locator("input[name=primary_colour]").fill("#9a3412")
    form.locator("input[name=banner_text]").fill("에너지 전환, 시민과 함께")
    form.locator("input[name=admin_username]").fill("citizen2")
    form.locator("button[type=submit]").click()
    expect(platform.locator("[data-agencies]")).to_contain_text("서울에너지공사")

    admin = new_tab(browser, base, "citizen2")
    admin.goto(f"{base}/a/energy/")
    expect(admin.locator(".site-name")).to_have_text("서울에너지공사")
    expect(admin.locator(".banner")).to_contain_text("에너지 전환, 시민과 함께")
    colour = admin.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--site-colour').trim()")
    assert colour == "#9a3412"
    # Its own back office opens, with the settings link in the header's grouped menu.
    admin.click(".account-nav .bo-group:has(a[href='/a/energy/manage/settings/']) > summary")
    admin.click(".account-nav a[href='/a/energy/manage/settings/']")
    expect(admin.locator("form[data-settings-form]")).to_be_visible()
    # The first agency's back office is not found for it.
    response = admin.goto(f"{base}/a/sisul/manage/settings/")
    assert response.status == 404
    response = admin.goto(f"{base}/a/sisul/manage/members/")
    assert response.status == 404
    # Another agency's site keeps its own look.
    admin.goto(f"{base}/a/sisul/")
    expect(admin.locator(".site-name")).to_have_text("서울시설공단")
    assert admin.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--site-colour').trim()") == "#7c3aed"
    assert not platform.errors and not admin.errors
