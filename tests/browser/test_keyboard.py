"""Twofold without a mouse: Tab, Space and Enter get a partner through an exercise, and focus always shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALEX, DEMO_PASSWORD, THERAPIST, tab_to

pytestmark = pytest.mark.browser


def test_a_partner_completes_an_exercise_with_the_keyboard_alone(new_page, demo):
    page = new_page("desktop")
    keys = page.keyboard
    page.goto("/portal/login")
    expect(page.get_by_label("Email")).to_be_focused()  # on arrival, ready to type
    keys.type(ALEX)
    keys.press("Tab")
    keys.type(DEMO_PASSWORD)
    keys.press("Enter")
    page.wait_for_url("**/portal/")

    stops = tab_to(page, ".skip-link")  # in the portal, Quick exit comes first, then the skip link
    assert len(stops) == 2 and 'id="quick-exit"' in stops[0]
    expect(page.locator(".skip-link")).to_be_in_viewport()
    keys.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    assignment = demo.assignment_ids["listening-to-understand"]
    tab_to(page, f"a[href='/portal/homework/{assignment}']")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Listening to understand", level=1)).to_be_visible()

    tab_to(page, "#q_topic")
    keys.type("Who picks up the children on Fridays")
    tab_to(page, "#q_heard")
    keys.type("That Sam feels alone with the planning, not that I don't care.")
    tab_to(page, "[name=q_felt_heard]")
    keys.press("Space")
    tab_to(page, "[name=q_hardest]")
    keys.press("Space")
    tab_to(page, "#q_appreciated")
    keys.type("That we stayed at the table")
    tab_to(page, "button[value=submit]")
    keys.press("Enter")

    expect(page.get_by_text("Sent. Thank you for taking the time")).to_be_visible()
    page.goto(f"/portal/homework/{assignment}")
    expect(page.get_by_text("That Sam feels alone with the planning")).to_be_visible()


@pytest.mark.parametrize("path", [
    lambda d: f"/couples/{d.couple_id}",
    lambda d: f"/couples/{d.couple_id}/homework/new?exercise={d.exercise_ids['daily-gratitude-log']}",
    lambda d: "/library/new",
], ids=["couple", "assign", "builder"])
def test_every_tab_stop_shows_where_focus_is(new_page, demo, path):
    page = new_page("desktop", who=THERAPIST)
    page.goto(path(demo))
    assert len(tab_to(page)) > 10  # tab_to fails at the first stop without a visible ring
