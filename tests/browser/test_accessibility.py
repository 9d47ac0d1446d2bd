"""Every key page, on a desktop and a phone: no serious axe-core violations, no sideways scrolling, a screenshot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

from tests.browser import chromium
from tests.browser.helpers import ALEX, THERAPIST, assert_accessible, screenshot

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class KeyPage:
    name: str
    who: str | None  # the demo person signed in, or None for nobody
    path: Callable  # demo ids -> the path to open
    status: int = 200


KEY_PAGES = [
    KeyPage("login", None, lambda d: "/login"),
    KeyPage("signup", None, lambda d: "/signup"),
    KeyPage("password-reset", None, lambda d: "/password/reset"),
    KeyPage("portal-login", None, lambda d: "/portal/login"),
    KeyPage("error-page", None, lambda d: "/no-such-page", status=404),
    KeyPage("dashboard", THERAPIST, lambda d: "/dashboard"),
    KeyPage("caseload", THERAPIST, lambda d: "/couples/"),
    KeyPage("couple", THERAPIST, lambda d: f"/couples/{d.couple_id}"),
    KeyPage("couple-form", THERAPIST, lambda d: "/couples/new"),
    KeyPage("couple-edit", THERAPIST, lambda d: f"/couples/{d.couple_id}/edit"),
    KeyPage("choose-exercise", THERAPIST, lambda d: f"/couples/{d.couple_id}/homework/new"),
    KeyPage("assign", THERAPIST,
            lambda d: f"/couples/{d.couple_id}/homework/new?exercise={d.exercise_ids['daily-gratitude-log']}"),
    KeyPage("review", THERAPIST, lambda d: f"/homework/{d.assignment_ids['seeing-our-cycle']}"),
    KeyPage("library", THERAPIST, lambda d: "/library/"),
    KeyPage("library-exercise", THERAPIST, lambda d: f"/library/{d.exercise_ids['the-feeling-underneath']}"),
    KeyPage("builder", THERAPIST, lambda d: "/library/new"),
    KeyPage("practice", THERAPIST, lambda d: "/practice/"),
    KeyPage("team", THERAPIST, lambda d: "/practice/team"),
    KeyPage("account", THERAPIST, lambda d: "/account/"),
    KeyPage("audit-trail", THERAPIST, lambda d: f"/couples/{d.couple_id}/audit"),
    KeyPage("session-new", THERAPIST, lambda d: f"/couples/{d.couple_id}/sessions/new"),
    KeyPage("session-draft", THERAPIST, lambda d: f"/sessions/{d.session_ids[3]}"),
    KeyPage("session-signed", THERAPIST, lambda d: f"/sessions/{d.session_ids[2]}"),
    KeyPage("confirm-revoke", THERAPIST, lambda d: f"/couples/{d.couple_id}/partners/1/revoke"),
    KeyPage("check-in-settings", THERAPIST, lambda d: f"/couples/{d.couple_id}/check-ins/settings"),
    KeyPage("portal-check-in", ALEX, lambda d: "/portal/check-in"),
    KeyPage("portal-home", ALEX, lambda d: "/portal/"),
    KeyPage("answer-form", ALEX, lambda d: f"/portal/homework/{d.assignment_ids['the-feeling-underneath']}"),
    KeyPage("answer-daily-log", ALEX, lambda d: f"/portal/homework/{d.assignment_ids['daily-gratitude-log']}"),
    KeyPage("answered-shared", ALEX, lambda d: f"/portal/homework/{d.assignment_ids['seeing-our-cycle']}"),
    KeyPage("support", ALEX, lambda d: "/portal/support"),
    KeyPage("portal-sharing", ALEX, lambda d: "/portal/sharing"),
]


@pytest.mark.parametrize("key_page", KEY_PAGES, ids=lambda p: p.name)
def test_key_page_has_no_serious_accessibility_problems(new_page, demo, key_page):
    page = new_page("desktop", who=key_page.who)
    response = page.goto(key_page.path(demo))
    assert response.status == key_page.status
    for screen, options in chromium.SCREENS.items():  # one load, scanned at each width
        page.set_viewport_size(options["viewport"])
        screenshot(page, f"{key_page.name}-{screen}")
        assert_accessible(page, f"at {screen} width")
        wide = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 1, f"the page scrolls sideways by {wide}px at {screen} width"


@pytest.mark.parametrize(("path", "who"), [("/login", None), ("/portal/", ALEX)], ids=["login", "portal-home"])
def test_pages_keep_their_contrast_when_the_device_prefers_dark_mode(new_page, path, who):
    page = new_page("phone", who=who, color_scheme="dark")
    page.goto(path)
    screenshot(page, f"{path.strip('/').replace('/', '-')}-dark-phone")
    assert_accessible(page)


def test_form_errors_are_announced_with_their_fields(desktop):
    desktop.goto("/signup")
    desktop.get_by_label("Email").fill("not an email")
    desktop.get_by_role("button", name="Create my account").click()

    invalid = desktop.locator("[aria-invalid=true]")
    assert invalid.count() >= 3  # name, practice name, email, passwords
    for i in range(invalid.count()):
        field = invalid.nth(i)
        described_by = field.get_attribute("aria-describedby")
        assert described_by, field.evaluate("el => el.outerHTML")
        messages = " ".join(desktop.locator(f"#{id_}").inner_text() for id_ in described_by.split())
        assert "Please" in messages
    assert desktop.get_by_role("alert").is_visible()
    assert desktop.get_by_label("Email").input_value() == "not an email"  # what was typed is kept
    screenshot(desktop, "signup-errors-desktop")
    assert_accessible(desktop)
