"""Drafts that save themselves: two open tabs, and sending while a save is on its way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.helpers import ALEX, assert_accessible

pytestmark = pytest.mark.browser

MOMENT = "What happened, in a few sentences?"
DRAFTED = "The feeling underneath"  # Alex has a draft of it in the demo


def test_the_stale_tab_is_told_and_keeps_its_text(new_page):
    first = new_page("desktop", who=ALEX)
    first.goto("/portal/")
    steps.open_homework(first, DRAFTED)
    second = first.context.new_page()
    second.goto(first.url)

    first.get_by_label(MOMENT).fill("Written in the first tab.")
    first.get_by_label(MOMENT).blur()
    expect(first.locator("[data-save-status]")).to_contain_text("Draft saved at")

    second.get_by_label(MOMENT).fill("Written in the second tab, which is out of date.")
    second.get_by_label(MOMENT).blur()
    status = second.locator("[data-save-status]")
    expect(status).to_contain_text("saved from another window or device after you opened it here")
    expect(status).to_have_class("save-status is-conflict")
    expect(second.get_by_label(MOMENT)).to_have_value("Written in the second tab, which is out of date.")
    assert_accessible(second)

    second.reload()
    expect(second.get_by_label(MOMENT)).to_have_value("Written in the first tab.")


def test_sending_while_a_draft_is_saving_waits_for_the_save(new_page):
    page = new_page("desktop", who=ALEX)
    page.goto("/portal/")
    steps.open_homework(page, DRAFTED)
    steps.answer_everything(page, "All of it, at last.")
    held = []  # autosaves that reached the server, their answers not yet back in the page
    page.route("**/autosave", lambda route: held.append((route, route.fetch())))

    page.get_by_label("I went silent").check()  # a change saves half a second later
    wait_until(page, lambda: held, "The page never saved the draft")
    page.get_by_role("button", name="Send to my therapist").click()
    route, response = held.pop()
    route.fulfill(response=response)

    expect(page.get_by_text("Sent. Thank you for taking the time")).to_be_visible()


def wait_until(page, condition, failure: str, seconds: float = 5) -> None:
    """Let the page run until `condition()` holds (Playwright handles routes meanwhile)."""
    for _ in range(int(seconds * 20)):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(failure)
