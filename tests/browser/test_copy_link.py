"""A new private link can be copied with one press, and reads as plain selectable text without script."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import THERAPIST

pytestmark = pytest.mark.browser


def test_the_copy_button_puts_the_new_link_on_the_clipboard(new_page):
    page = new_page("phone", who=THERAPIST)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/couples/")
    page.get_by_role("link", name="Alex & Sam").first.click()
    page.get_by_role("button", name="Send a new link").first.click()
    link = page.locator("[data-copy-text]").inner_text().strip()
    assert "/portal/welcome/" in link
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
