"""Rate limits for the doors attackers knock on: sign-in, codes, reset, invitations.

Each is counted per client address and per account (the typed email, or
the account whose code or password is being checked), so neither many
addresses against one account nor one address against many accounts gets
far. Counts live in RATELIMIT_STORAGE_URI: in memory for one process, or
Redis (`redis://host:6379`) so every worker and server shares them.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request, session
from flask_login import current_user

from practice.auth.lifetimes import PENDING_SECOND_FACTOR
from practice.extensions import limiter


def _limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _typed_email() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def _pending_account() -> str:
    """The clinician whose second factor is being typed, whichever browser types it."""
    return "second-factor:" + str((session.get(PENDING_SECOND_FACTOR) or {}).get("id", ""))


def _signed_in_account() -> str:
    return "reauth:" + (current_user.get_id().rpartition(":")[0] if current_user.is_authenticated else "")


def guarded_by(account_key: Callable[[], str]):
    """A decorator limiting POSTs to a view per address and per `account_key()`."""

    def decorate(view):
        per_address = limiter.limit(_limit, methods=["POST"])
        per_account = limiter.limit(_limit, key_func=account_key, methods=["POST"])
        return per_address(per_account(view))

    return decorate


guarded = guarded_by(_typed_email)
guarded_code = guarded_by(_pending_account)
guarded_reauth = guarded_by(_signed_in_account)
