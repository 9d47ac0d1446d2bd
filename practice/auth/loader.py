"""Who is signed in: Flask-Login's user loader and its settings.

Login ids have the shape `<kind>:<id>:<session token>`. The token lives in
the database, so rotating it (logout, password change) makes every copied
session or remember-me cookie useless at once.
"""

from __future__ import annotations

import hmac

from flask import Flask
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from practice.extensions import db, login_manager
from practice.models import Clinician, Couple, Partner

# Every page shows dates in the practice's time zone: each kind of person is
# loaded with their practice (a partner's couple and clinician on the way) in one statement.
# Built once: every signed-in request runs one of them, and building the query
# (what `session.get` does each time) cost about a tenth of a small page. Each
# is sent to the database every time, even for someone already loaded in the
# session (populate_existing), so a token rotated elsewhere is seen at once.
LOADERS = {
    kind: select(model).options(with_practice).where(model.id == bindparam("id"))
    .execution_options(populate_existing=True)
    for kind, model, with_practice in (
        ("clinician", Clinician, joinedload(Clinician.practice, innerjoin=True)),
        ("partner", Partner, joinedload(Partner.couple, innerjoin=True).joinedload(Couple.clinician, innerjoin=True)
         .joinedload(Clinician.practice, innerjoin=True)),
    )
}


def configure_login(app: Flask) -> None:
    """Bind Flask-Login with our loader and kind words."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.blueprint_login_views = {"portal": "portal.login", "portal_checkins": "portal.login"}
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
    person = db.session.execute(LOADERS[kind], {"id": int(raw_id)}).scalar_one_or_none()
    if person is None or not hmac.compare_digest(person.session_token, token):
        return None
    return person if person.is_active else None
