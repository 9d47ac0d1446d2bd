"""Role guards for whole blueprints (used as `before_request`)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from practice import audit
from practice.extensions import login_manager


def require_clinician_session():
    """A signed-in clinician, with or without two-step sign-in (for the pages that set it up)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.kind != "clinician":
        abort(404)  # a partner is never a clinician: these pages do not exist for them
    return None


def require_clinician():
    """Every view of the blueprint needs a signed-in clinician who meets the practice's sign-in rules."""
    refused = require_clinician_session()
    if refused is not None:
        return refused
    if current_user.practice.require_two_factor and not current_user.has_two_factor:
        flash("Your practice asks everyone to use two-step sign-in. Setting it up takes about two minutes.", "info")
        return redirect(url_for("security.overview"))
    return None


def require_owner():
    """Every view of the blueprint needs the practice owner; a refusal is recorded apart, never committing anything."""
    refused = require_clinician()
    if refused is not None:
        return refused
    if not current_user.is_owner:
        audit.refused(detail={"endpoint": request.endpoint})
        abort(403)
    return None
