"""Rate limits for the doors attackers knock on: sign-in, reset, invitations.

Each is counted per client address and, where an email is typed, per
account, so neither many addresses against one account nor one address
against many accounts gets far.
"""

from __future__ import annotations

from flask import current_app, request

from practice.extensions import limiter


def _limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _typed_email() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def guarded(view):
    """Limit POSTs to a view per address and per typed email."""
    per_address = limiter.limit(_limit, methods=["POST"])
    per_account = limiter.limit(_limit, key_func=_typed_email, methods=["POST"])
    return per_address(per_account(view))
