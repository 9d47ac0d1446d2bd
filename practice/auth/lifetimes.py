"""How long a sign-in lasts, enforced on the server before every request.

The session cookie, signed with SECRET_KEY, carries when the person signed in and was last active.
Clinicians are signed out after `Practice.idle_timeout_minutes` idle and, however active, after
`CLINICIAN_SESSION_HOURS`; partners after `PARTNER_IDLE` idle, or `PARTNER_REMEMBERED_IDLE` on a
device they chose to remember. `static/js/session-timeout.js` warns before either happens.

The activity clock is written at most once every `SEEN_EVERY` seconds, so the cookie is not
re-signed and resent with every page; `remaining()` adds that lag back, so nobody is signed out
early and an idle session ends at most `SEEN_EVERY` seconds late.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, request, session
from flask_login import current_user, login_url, login_user, logout_user

from practice import audit
from practice.platform.database import writing

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
REMEMBERED = "remembered"
REAUTH_AT = "reauth_at"  # when the password was last typed (practice.auth.reauth)
PENDING_SECOND_FACTOR = "pending_second_factor"  # password checked, code not yet
SEEN_EVERY = 60  # seconds: how stale the stored activity clock may get before a request rewrites it

# Asking how long is left must not count as activity, or the warning would
# keep the session alive by itself.
PASSIVE_ENDPOINTS = {"presence.status"}

MESSAGES = {
    "idle": "You were signed out after {minutes} minutes without activity, to keep your clients' "
            "information private. Please sign in again to carry on.",
    "absolute": "For safety, a sign-in lasts at most {hours} hours. Please sign in again to carry on.",
    "partner": "You were signed out to keep your space private. Please sign in again whenever you're ready.",
    "unknown": "Please sign in again to carry on.",
}


@dataclass(frozen=True)
class Remaining:
    """Seconds left before the session ends, and whether activity can push that back."""

    seconds: int
    renewable: bool
    reason: str


def now() -> int:
    return int(time.time())


def start_session(person, remember: bool = False) -> None:
    """Sign in with a fresh session, so nothing from before carries over, and start its clocks."""
    session.clear()
    duration = current_app.config["PARTNER_REMEMBERED_IDLE"] if remember else None
    login_user(person, remember=remember, duration=duration)
    begin(remember)
    session[REAUTH_AT] = session[SIGNED_IN_AT]


def begin(remember: bool = False) -> None:
    """Start the clocks for a sign-in that has just happened."""
    session[SIGNED_IN_AT] = session[SEEN_AT] = now()
    if remember:
        session[REMEMBERED] = True


def remaining(person, at: int | None = None) -> Remaining:
    """How long this person's current session has left (idle limits counted from the latest possible activity)."""
    at = now() if at is None else at
    config = current_app.config
    last_active = session[SEEN_AT] + SEEN_EVERY  # the clock may lag real activity by up to SEEN_EVERY
    if person.kind == "partner":
        idle = config["PARTNER_REMEMBERED_IDLE" if session.get(REMEMBERED) else "PARTNER_IDLE"]
        return Remaining(last_active + int(idle.total_seconds()) - at, True, "partner")
    idle_left = last_active + person.practice.idle_timeout_minutes * 60 - at
    absolute_left = session[SIGNED_IN_AT] + config["CLINICIAN_SESSION_HOURS"] * 3600 - at
    if absolute_left < idle_left:
        return Remaining(absolute_left, False, "absolute")
    return Remaining(idle_left, True, "idle")


def enforce():
    """`before_request`: end a session that has been idle or open too long, else note the activity."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    if SIGNED_IN_AT not in session:
        if current_user.kind != "partner" or session.get("_fresh") is not False:
            return _sign_out("unknown")
        begin(remember=True)  # a partner's remember-me cookie has just restored the sign-in
    left = remaining(current_user)
    if left.seconds <= 0:
        return _sign_out(left.reason)
    if request.endpoint in PASSIVE_ENDPOINTS or now() - session[SEEN_AT] < SEEN_EVERY:
        return None  # the clock is fresh enough: leave the cookie as it is
    session[SEEN_AT] = now()
    if session.get(REMEMBERED):
        _refresh_remember_cookie()
    return None


def _refresh_remember_cookie() -> None:
    """Push the remember-me cookie's expiry forward, so it measures idleness, not age."""
    session["_remember"] = "set"
    session["_remember_seconds"] = int(current_app.config["PARTNER_REMEMBERED_IDLE"].total_seconds())


def _sign_out(reason: str):
    """End the session (recorded in the audit trail) and say why, as a page or, to scripts, as JSON."""
    person = current_user._get_current_object()
    message = MESSAGES[reason].format(minutes=person.practice.idle_timeout_minutes,
                                      hours=current_app.config["CLINICIAN_SESSION_HOURS"])
    with writing():
        audit.record(audit.AuditAction.LOGOUT, actor=person, detail={"reason": f"timeout_{reason}"})
    session.clear()
    logout_user()  # after clear(): it also tells Flask-Login to delete the remember-me cookie
    if wants_json():
        return jsonify(signed_in=False, message=message), 401
    flash(message, "info")
    view = "portal.login" if person.kind == "partner" else "auth.login"
    return redirect(login_url(view, next_url=request.full_path.rstrip("?") if request.method == "GET" else None))


def wants_json() -> bool:
    """True for the page scripts' requests (autosave, keep-alive), which read JSON, not pages."""
    return request.accept_mimetypes.best == "application/json"


def return_to(default: str) -> str:
    """The `next=` path to go back to after signing in, if it is a path on this site; else `default`."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc:
        return default
    return target


def session_clock():
    """Time left in the signed-in session, for the session-timeout script; None when nobody is signed in."""
    if not current_user.is_authenticated or SEEN_AT not in session:
        return None
    return remaining(current_user)
