"""The portal's guard: only a signed-in partner gets through."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from practice.extensions import login_manager


def require_partner():
    """Anonymous visitors sign in; clinicians are not partners, so they find nothing here."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.kind != "partner":
        abort(404)
    return None
