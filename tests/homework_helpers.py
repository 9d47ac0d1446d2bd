"""A small practice with two couples whose partners can sign in, for homework tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from practice.extensions import db
from practice.homework.services import AssignmentRequest, assign
from practice.models import Assignment, Clinician, Couple, Partner, utcnow
from practice.platform.passwords import hash_password
from tests.factories import ALL_PROMPT_TYPES, PASSWORD, make_clinician, make_couple, make_exercise
from tests.logins import login


@dataclass
class World:
    clinician: Clinician
    colleague: Clinician
    stranger: Clinician
    couple: Couple
    other_couple: Couple
    exercise: object

    @property
    def p1(self) -> Partner:
        return self.couple.partner(1)

    @property
    def p2(self) -> Partner:
        return self.couple.partner(2)

    @property
    def outsider(self) -> Partner:
        return self.other_couple.partner(1)


def give_access(partner: Partner, email: str) -> None:
    partner.email = email
    partner.password_hash = hash_password(PASSWORD)
    partner.activated_at = utcnow()


@pytest.fixture()
def world(app) -> World:
    return make_world()


def make_world(names=("Alex", "Sam")) -> World:
    """The world, for fixtures of any scope (the `world` fixture is the usual way in)."""
    clinician = make_clinician(owner=True, name="Dr. Reyes")
    colleague = make_clinician(clinician.practice, name="Jamie")
    stranger = make_clinician(name="Elsewhere")
    couple = make_couple(clinician, names)
    other = make_couple(clinician, ("Robin", "Lee"))
    for partner, email in ((couple.partner(1), "alex@example.com"), (couple.partner(2), "sam@example.com"),
                           (other.partner(1), "robin@example.com")):
        give_access(partner, email)
    db.session.commit()
    exercise = make_exercise(clinician, title="Every kind of question", prompts=ALL_PROMPT_TYPES)
    return World(clinician, colleague, stranger, couple, other, exercise)


def give_homework(world: World, *, sharing: str = "private", positions=(1, 2), due_in: int = 7,
                  couple: Couple | None = None, exercise=None, note: str = "Take your time with this one.") -> Assignment:
    """Assign through the real service, as the therapist's form would."""
    couple = couple or world.couple
    version = (exercise or world.exercise).latest
    today = date.today()
    request = AssignmentRequest(version=version, positions=positions, due_date=today + timedelta(days=due_in),
                                days=None, note=note, sharing=sharing, roles={})
    return assign(couple, world.clinician, request, today)


def partner_login(app, partner: Partner):
    """A browser signed in to the portal as this partner."""
    browser = app.test_client()
    response = browser.post_form("/portal/login", {"email": partner.email, "password": PASSWORD})
    assert response.status_code == 302, response.data[:400]
    return browser


def browser_for(app, world: World, visitor: str):
    """A browser signed in as one of the world's people ("p1", "p2", "outsider", "clinician",
    "other_clinician", "stranger"), or an anonymous one."""
    people = {"p1": world.p1, "p2": world.p2, "outsider": world.outsider}
    clinicians = {"clinician": world.clinician, "other_clinician": world.colleague, "stranger": world.stranger}
    if visitor in people:
        return partner_login(app, people[visitor])
    if visitor in clinicians:
        return clinician_login(app, clinicians[visitor])
    return app.test_client()


def clinician_login(app, clinician: Clinician):
    browser = app.test_client()
    login(browser, clinician)
    return browser


FULL_ANSWERS = {
    "q_story": "We argued about the dishes, but really it was about feeling alone.",
    "q_word": "tired",
    "q_close": "1",
    "q_talk": "yes",
    "q_kinds": ["hug", "hand"],
    "q_log-0-q_moment": "a walk",
    "q_log-1-q_moment": "",
    "q_log-2-q_moment": "coffee together",
}
