"""Fixtures for tests that drive a real browser against the real app.

One server (a child process serving the demo practice on a free loopback
port) and one Chromium serve the whole run; each test gets fresh browser
contexts and starts from the demo database as it was first built.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from practice.models import Assignment, Exercise, ExerciseVersion, Partner, TherapySession
from tests.browser import chromium
from tests.browser.helpers import ALEX, PARTNERS, Mailbox, sign_in
from tests.browser.server import LiveServer

TIMEOUT_MS = 10_000  # for every action and expectation: generous on a busy 2-core machine
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, once per run; the tests skip, saying why, where it is missing."""
    reason = chromium.missing_reason()
    if reason:
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app serving the demo practice from a temporary instance, for the whole run."""
    with LiveServer(tmp_path_factory.mktemp("browser-instance")) as server:
        yield server


@pytest.fixture(scope="session")
def pristine_database(live_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("browser-snapshot") / "demo.db"
    live_server.snapshot(path)
    return path


@pytest.fixture(autouse=True)
def _fresh_state(browser, live_server, pristine_database):
    """Replaces the suite's table wipe: start from the fresh demo, and fail if the server raised.

    `browser` comes first so a machine without Chromium skips before a server starts.
    """
    live_server.restore(pristine_database)
    log_start = live_server.log.stat().st_size
    yield
    errors = live_server.log_text(log_start)
    if "Traceback" in errors:
        pytest.fail(f"The server raised an exception during this test:\n{errors}")


@pytest.fixture(scope="session")
def signed_in(browser, live_server):
    """The cookies of a demo person signed in through the real form, made once per person.

    Signing in does not rotate anyone's session token, so these stay valid
    after each test puts the demo database back.
    """
    states = {}

    def state_for(email: str) -> dict:
        if email not in states:
            context = browser.new_context(base_url=live_server.url)
            context.set_default_timeout(TIMEOUT_MS)
            sign_in(context.new_page(), email, portal=email in PARTNERS)
            states[email] = context.storage_state()
            context.close()
        return states[email]

    return state_for


@pytest.fixture()
def new_page(browser, live_server, signed_in):
    """Open a page in a fresh browser context on the desktop or phone screen, signed in as `who` if given."""
    contexts = []

    def open_page(screen: str = "desktop", who: str | None = None, **options):
        state = signed_in(who) if who else None
        options = chromium.SCREENS[screen] | options
        context = browser.new_context(base_url=live_server.url, storage_state=state, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture()
def desktop(new_page):
    return new_page("desktop")


@pytest.fixture()
def mailbox(live_server) -> Mailbox:
    return Mailbox(live_server.mail_dir)


@dataclass(frozen=True)
class Demo:
    """Ids in the demo practice, for tests that open a page directly."""

    couple_id: int
    exercise_ids: dict[str, int]  # built-in exercises by slug
    assignment_ids: dict[str, int]  # Alex & Sam's homework by exercise slug
    session_ids: dict[int, int]  # Alex & Sam's sessions by number


@pytest.fixture(scope="session")
def demo(pristine_database) -> Demo:
    engine = create_engine(f"sqlite:///{pristine_database}")
    with Session(engine) as session:
        couple_id = session.scalar(select(Partner.couple_id).where(Partner.email == ALEX))
        exercises = session.execute(select(Exercise.slug, Exercise.id).where(Exercise.slug.is_not(None)))
        assignments = session.execute(
            select(Exercise.slug, Assignment.id)
            .join(Assignment.exercise_version).join(ExerciseVersion.exercise)
            .where(Assignment.couple_id == couple_id)
        )
        sessions = session.execute(
            select(TherapySession.number, TherapySession.id).where(TherapySession.couple_id == couple_id)
        )
        demo = Demo(couple_id, dict(exercises.all()), dict(assignments.all()), dict(sessions.all()))
    engine.dispose()
    return demo
