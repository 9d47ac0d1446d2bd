"""The signed form token, reused for a minute instead of signed afresh for every page.

Flask-WTF keeps one random token per session and, for every page, signs it
with the time (a JSON encoding, a key derivation and an HMAC: on this
project's machine as much as a tenth of a small signed-in page). Signing
the same session's token again a few seconds later only moves that time
forward, so the signed token is kept in this process for `REUSE_SECONDS`
and handed back instead. A form token therefore expires at most that much
before `WTF_CSRF_TIME_LIMIT` (eight hours) counted from its page.

Entries are keyed by the signing key and the session's own secret random
token, so one can only ever be handed to a session that already holds
that secret; checking a posted token is Flask-WTF's, unchanged.
"""

from __future__ import annotations

import threading
from time import monotonic

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

REUSE_SECONDS = 60
MAX_KEPT = 10_000  # sessions signed within a minute on one process; past that, start again

_signed: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


def csrf_token() -> str:
    """This session's signed form token: the one signed in the last minute, or a new one."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    if field in g:
        return g.get(field)
    key = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    raw = session.get(field)
    kept = _signed.get((key, raw)) if raw else None
    if kept and monotonic() - kept[1] < REUSE_SECONDS:
        setattr(g, field, kept[0])  # where Flask-WTF's forms look first, so they reuse it too
        return kept[0]
    token = generate_csrf()
    with _lock:
        if len(_signed) >= MAX_KEPT:
            _signed.clear()
        _signed[(key, session[field])] = (token, monotonic())
    return token


def register(app: Flask) -> None:
    """Templates' `csrf_token()` reuses a recent signature.

    Registered after CSRFProtect, which puts its own in both places; a later
    context processor's value wins.
    """
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
