"""On a phone, "Need help now?" is on the first screen of every portal page and one tap away."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALEX

pytestmark = pytest.mark.browser

PORTAL_PAGES = {
    "home": lambda d: "/portal/",
    "answer form": lambda d: f"/portal/homework/{d.assignment_ids['the-feeling-underneath']}",
    "daily log": lambda d: f"/portal/homework/{d.assignment_ids['daily-gratitude-log']}",
    "sent": lambda d: f"/portal/homework/{d.assignment_ids['pausing-without-leaving']}",
    "shared": lambda d: f"/portal/homework/{d.assignment_ids['seeing-our-cycle']}",
    "check-in": lambda d: "/portal/check-in",
    "support": lambda d: "/portal/support",
    "sharing my scores": lambda d: "/portal/sharing",
}


def test_help_is_one_tap_away_on_every_portal_page(new_page, demo):
    page = new_page("phone", who=ALEX)
    for name, path in PORTAL_PAGES.items():
        page.goto(path(demo))
        link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Need help now?")
        expect(link, f"on the {name} page").to_be_in_viewport()
        link.tap()
        expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
        expect(page.locator(".crisis-box a[href=\"tel:988\"]").first).to_be_visible()  # tap-to-call, in the practice's words
