"""Quick exit: in view on a phone on every portal page, first on the keyboard, and nothing to go back to."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALEX
from tests.browser.test_portal_support import PORTAL_PAGES

pytestmark = pytest.mark.browser


def test_quick_exit_is_in_view_on_a_phone_on_every_portal_page_and_the_sign_in_page(new_page, demo):
    page = new_page("phone", who=ALEX)
    for name, path in PORTAL_PAGES.items():
        page.goto(path(demo))
        expect(page.locator("#quick-exit"), f"on the {name} page").to_be_in_viewport(ratio=1)
    visitor = new_page("phone")
    visitor.goto("/portal/login")
    expect(visitor.locator("#quick-exit")).to_be_in_viewport(ratio=1)


def test_quick_exit_is_the_first_tab_stop_and_replaces_the_page_in_history(new_page, demo):
    page = new_page("phone", who=ALEX)
    page.goto("/portal/")
    page.goto("/portal/support")
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    before = page.evaluate("history.length")
    page.keyboard.press("Tab")
    expect(page.locator("#quick-exit")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/weather")
    expect(page.get_by_role("heading", name="Weather")).to_be_visible()
    assert page.evaluate("history.length") == before  # replaced, not added: the support page is gone
    page.go_back()  # the page before it was the portal home: signed out now, so its content is not shown
    expect(page.get_by_text("Hello, Alex")).to_have_count(0)


def test_quick_exit_works_without_javascript(new_page, demo):
    page = new_page("phone", who=ALEX, java_script_enabled=False)
    page.goto("/portal/")
    page.locator("#quick-exit").click()
    page.wait_for_url("**/weather")
    page.goto("/portal/")
    assert "/portal/login" in page.url
