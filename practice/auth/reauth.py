"""Re-authentication: a password typed in the last few minutes before a sensitive change.

Changing the sign-in email or two-step sign-in needs the password to have
been typed within REAUTH_MINUTES (at sign-in or on the confirm page); an
older session is sent to confirm it first and then brought back.
"""

from __future__ import annotations

from functools import wraps

from flask import current_app, flash, redirect, request, session, url_for

from practice.auth.lifetimes import REAUTH_AT, now


def mark_reauthenticated() -> None:
    """The password has just been typed and checked."""
    session[REAUTH_AT] = now()


def recently_authenticated() -> bool:
    return now() - session.get(REAUTH_AT, 0) < current_app.config["REAUTH_MINUTES"] * 60


def recent_auth_required(view):
    """Send the clinician to confirm their password unless they typed it a few minutes ago."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if recently_authenticated():
            return view(*args, **kwargs)
        if request.method == "GET":
            return redirect(url_for("security.confirm", next=request.full_path.rstrip("?")))
        flash("For your safety, please confirm your password, then make the change again.", "info")
        return redirect(url_for("security.confirm", next=url_for("security.overview")))

    return guarded
