"""Random link tokens that are stored only as hashes."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select

from practice.domain import TokenError
from practice.extensions import db

TOKEN_BYTES = 32
GONE_LINK = (
    "This link has expired or has already been used. "
    "Links are kept short-lived to protect your account; you can ask for a new one."
)
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def new_token() -> tuple[str, str]:
    """Return (token for the link, hash for the database)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """SHA-256 of a token; tokens are random, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check so malformed links never reach a query."""
    return bool(_TOKEN_SHAPE.match(token))


def usable_token_row(model, token: str):
    """The unexpired, unused row of `model` behind a link token, or TokenError."""
    if not looks_like_token(token):
        raise TokenError(GONE_LINK)
    row = db.session.scalar(select(model).where(model.token_hash == hash_token(token)))
    if row is None or not row.is_usable:
        raise TokenError(GONE_LINK)
    return row
