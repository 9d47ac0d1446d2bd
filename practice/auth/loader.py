"""Who is signed in: Flask-Login's user loader and its settings.

Login ids have the shape `<kind>:<id>:<session token>`. The token lives in
the database, so rotating it (logout, password change) makes every copied
session or remember-me cookie useless at once.
"""

from __future__ import annotations

import hmac

from flask import Flask
from sqlalchemy.orm import joinedload

from practice.extensions import db, login_manager
from practice.models import Clinician, Couple, Partner

# Every page shows dates in the practice's time zone: each kind of person is
# loaded with their practice (a partner's couple and clinician on the way) in one statement.
LOADERS = {
    "clinician": (Clinician, joinedload(Clinician.practice, innerjoin=True)),
    "partner": (Partner, joinedload(Partner.couple, innerjoin=True).joinedload(Couple.clinician, innerjoin=True)
                .joinedload(Clinician.practice, innerjoin=True)),
}


def configure_login(app: Flask) -> None:
    """Bind Flask-Login with our loader and kind words."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.blueprint_login_views = {"portal": "portal.login"}
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(user_id: str):
    """Return the signed-in person, or None if the id or its token is stale."""
    kind, _, rest = user_id.partition(":")
    raw_id, _, token = rest.partition(":")
    if kind not in LOADERS or not raw_id.isdigit() or not token:
        return None
    model, with_practice = LOADERS[kind]
    person = db.session.get(model, int(raw_id), options=[with_practice])
    if person is None or not hmac.compare_digest(person.session_token, token):
        return None
    return person if person.is_active else None
