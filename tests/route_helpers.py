"""A small world with every kind of person, and ways to reach any route as any of them.

Used by the authorisation matrix and the form fuzzing, which both walk
`app.url_map` and need ids to fill its rules and a session for each role.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import url_for
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import AnyConverter

from practice.auth.lifetimes import REAUTH_AT, SEEN_AT, SIGNED_IN_AT, now
from practice.extensions import db
from practice.models import BackgroundJob, ClinicianInvitation
from practice.rules.tokens import new_token
from practice.web.templating import practice_today
from tests.checkin_helpers import plant_flag
from tests.database import wipe_database
from tests.factories import make_clinician, make_couple, make_exercise, make_practice, utcnow_plus_days
from tests.homework_helpers import World, give_access, give_homework
from tests.session_helpers import signed_session

LOGIN = "login"
PORTAL = "portal login"
Outcome = int | str
PREFERRED_ACTIONS = {"retire", "deactivate"}  # for <any(...)> rules: the action that changes something
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass
class RouteWorld:
    logins: dict[str, str]  # role -> Flask-Login id
    values: dict[str, object]  # URL argument -> value


def build_world() -> RouteWorld:
    """Practice A (owner, the couple's clinician, a colleague) with two couples; practice B's owner."""
    practice = make_practice(name="Harbour")
    owner = make_clinician(practice, owner=True, name="Owner")
    clinician = make_clinician(practice, name="Couple's clinician")
    colleague = make_clinician(practice, name="Colleague")
    stranger = make_clinician(make_practice(name="Elsewhere"), owner=True, name="Stranger")
    couple = make_couple(clinician, ("Alex", "Sam"))
    other = make_couple(clinician, ("Robin", "Lee"))
    for partner, email in ((couple.partner(1), "alex@example.com"), (couple.partner(2), "sam@example.com"),
                           (other.partner(1), "robin@example.com")):
        give_access(partner, email)
    db.session.commit()  # set-up so far is saved before a service opens its own unit of work
    exercise = make_exercise(clinician, title="Noticing each other")
    _, token_hash = new_token()
    invitation = ClinicianInvitation(practice_id=practice.id, invited_by_id=owner.id, email="new@example.com",
                                     token_hash=token_hash, expires_at=utcnow_plus_days(7))
    db.session.add(invitation)
    db.session.commit()
    homework_world = World(clinician, colleague, stranger, couple, other, exercise)
    assignment = give_homework(homework_world, positions=(1, 2))
    session = signed_session(homework_world, release=True)
    flag = plant_flag(couple, 1, practice_today() - timedelta(days=7))
    job = BackgroundJob(clinician_id=clinician.id, couple_id=couple.id, kind="couple_export", status="done",
                        file_name="record.zip", content_type="application/zip", result=b"PK")
    db.session.add(job)
    db.session.commit()
    people = {"clinician": clinician, "colleague": colleague, "stranger": stranger, "owner": owner,
              "partner1": couple.partner(1), "partner2": couple.partner(2), "outsider": other.partner(1)}
    logins = {role: person.get_id() for role, person in people.items()}
    values = {"couple_id": couple.id, "position": 1, "assignment_id": assignment.id, "exercise_id": exercise.id,
              "invitation_id": invitation.id, "clinician_id": colleague.id, "token": "A" * 43,
              "filename": "css/app.css", "session_id": session.id, "version": 1, "flag_id": flag.id, "job_id": job.id}
    return RouteWorld(logins, values)


def prepare(browser, login_id: str | None) -> str:
    """Give the browser a session (signed in as `login_id`, as the sign-in pages would); return a CSRF token."""
    raw = secrets.token_hex(20)
    with browser.session_transaction() as session:
        session["csrf_token"] = raw
        if login_id:
            session["_user_id"] = login_id
            session["_fresh"] = True
            session[SIGNED_IN_AT] = session[SEEN_AT] = session[REAUTH_AT] = now()
    return URLSafeTimedSerializer(browser.application.secret_key, salt="wtf-csrf-token").dumps(raw)


def url_of(rule, values: dict) -> str:
    arguments = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            arguments[name] = sorted(converter.items, key=lambda item: item not in PREFERRED_ACTIONS)[0]
        else:
            arguments[name] = values[name]
    return url_for(rule.endpoint, **arguments)


def outcome(response) -> Outcome:
    if response.status_code in (301, 302, 303):
        path = urlsplit(response.headers["Location"]).path
        return {"/login": LOGIN, "/portal/login": PORTAL}.get(path, 302)
    return response.status_code


def route_keys(app) -> dict[str, object]:
    """Every "METHOD /rule" the app answers, with its rule."""
    keys = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            keys[f"{method} {rule.rule}"] = rule
    return keys




def fresh_world() -> RouteWorld:
    """Empty the database and build the world again."""
    wipe_database()
    return build_world()
