"""Role guards for whole blueprints (used as `before_request`)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from practice.extensions import login_manager


def require_clinician():
    """Every view of the blueprint needs a signed-in clinician."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.kind != "clinician":
        abort(404)  # a partner is never a clinician: these pages do not exist for them
    return None


def require_owner():
    """Every view of the blueprint needs the practice owner."""
    refused = require_clinician()
    if refused is not None:
        return refused
    if not current_user.is_owner:
        abort(403)
    return None
