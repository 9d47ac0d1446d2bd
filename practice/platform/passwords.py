"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 128

# The test profile is deliberately weak so the suite stays fast; it is only
# selectable through TestConfig.
_PROFILES = {
    "default": PasswordHasher(),  # argon2id, t=3, m=64 MiB, p=4 (RFC 9106 low-memory)
    "cheap": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}

def _profile() -> str:
    return current_app.config["ARGON2_PROFILE"]


def _hasher() -> PasswordHasher:
    return _PROFILES[_profile()]


def hash_password(password: str) -> str:
    """Hash a password with the configured argon2id profile."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, burn the same time and return False."""
    hasher = _hasher()
    try:
        matched = hasher.verify(password_hash or _dummy_hash(_profile()), password)
        return matched and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses older parameters than the current profile."""
    return _hasher().check_needs_rehash(password_hash)


@cache
def _dummy_hash(profile: str) -> str:
    """A real hash to verify against when no account matches, so that a login
    for an unknown email takes as long as one for a known email."""
    return _PROFILES[profile].hash("not-a-real-password-5c1d")


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's list), lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str) -> str | None:
    """Explain why a new password is not acceptable, or return None."""
    if len(password) < MIN_LENGTH:
        return f"Please use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Please use at most {MAX_LENGTH} characters."
    if password.lower() in common_passwords() or len(set(password)) < 4:
        return "This password is too easy to guess. A short sentence you will remember works well."
    return None
