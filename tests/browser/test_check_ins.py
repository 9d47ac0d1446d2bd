"""The partner's check-in: a safety answer brings help at once and reaches only the couple's clinician."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.helpers import ALEX, COLLEAGUE, SAM, THERAPIST, assert_accessible

pytestmark = pytest.mark.browser


def test_a_safety_answer_reaches_only_the_couples_clinician(new_page):
    alex = new_page("phone", who=ALEX)
    alex.goto("/portal/")
    steps.press(alex, alex.get_by_role("link", name="How are things between you?"))
    alex.get_by_role("heading", name="Your check-in").wait_for()
    steps.answer_everything(alex, "Mostly quieter weeks.")
    afraid = alex.get_by_role("group", name=re.compile("have you felt afraid of your partner"))
    afraid.get_by_role("radio", name="Yes", exact=True).check()
    steps.press(alex, alex.get_by_role("button", name="Send to my therapist"))
    expect(alex.get_by_role("heading", name="Thank you for telling us")).to_be_visible()
    expect(alex.locator(".crisis-box a[href=\"tel:988\"]").first).to_be_visible()
    assert_accessible(alex, "on the support page after a safety answer")

    therapist = new_page("desktop", who=THERAPIST)
    therapist.goto("/dashboard")
    therapist.get_by_role("link", name=re.compile(r"^Alex & Sam: Alex answered “Afraid of their partner: Yes")).click()
    expect(therapist.get_by_text("Mostly quieter weeks.").first).to_be_visible()  # the note, and the way to reach them
    assert_accessible(therapist, "on the safety flag")

    colleague = new_page("desktop", who=COLLEAGUE)
    colleague.goto("/dashboard")
    expect(colleague.get_by_role("heading", name="What's new")).to_be_visible()
    assert "Alex answered" not in colleague.content()
    sam = new_page("phone", who=SAM)
    for page in ("/portal/", "/portal/check-in"):
        sam.goto(page)
        assert "Alex answered" not in sam.content() and "Mostly quieter weeks." not in sam.content()


@pytest.mark.parametrize("width", [320, 390])
def test_every_rating_is_one_row_of_seven_cells_big_enough_to_tap(new_page, width):
    alex = new_page("phone", who=ALEX, viewport={"width": width, "height": 800})
    alex.goto("/portal/check-in")
    rows = alex.locator(".scale-points").evaluate_all("""lists => lists.map(list => {
        const cells = [...list.querySelectorAll('label')].map(label => label.getBoundingClientRect());
        return {tops: new Set(cells.map(c => Math.round(c.top))).size, count: cells.length,
                narrowest: Math.min(...cells.map(c => c.width)), lowest: Math.min(...cells.map(c => c.height))};
    })""")
    assert len(rows) == 8  # the eight check-in ratings
    assert all(row["count"] == 7 and row["tops"] == 1 for row in rows), rows  # 0 to 6 on one line
    assert all(row["narrowest"] >= 24 and row["lowest"] >= 44 for row in rows), rows
    assert alex.evaluate("document.documentElement.scrollWidth") <= width
