"""The front door: where each person lands after signing in."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.kind == "partner":
        return redirect(url_for("portal.home"))
    return redirect(url_for("homework.dashboard"))


@bp.get("/healthz")
def health():
    """For load balancers: the process answers (no database work)."""
    return {"status": "ok"}
