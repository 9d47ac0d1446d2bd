"""Optimistic locking: a save from a stale form never overwrites silently."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from practice.errors_domain import ConflictError
from practice.extensions import db


def save_versioned(row, expected_version: int | None, changes: dict) -> None:
    """Apply `changes` to a versioned row and commit, unless it changed since the form was built.

    Two guards: the version the form carried, and SQLAlchemy's
    `WHERE version = ...` on the UPDATE for a save that races ours.
    """
    ensure_version(row, expected_version)
    for key, value in changes.items():
        setattr(row, key, value)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ConflictError() from None


def ensure_version(row, expected_version: int | None) -> None:
    """Raise ConflictError if the row moved on since the form was built."""
    if row.version != expected_version:
        raise ConflictError()


def keep_typed_text_after_conflict(form, row, error: ConflictError) -> None:
    """Tell the person, keep what they typed, and arm the form to save over the newer version."""
    db.session.refresh(row)
    form.version.errors.append(error.message)
    form.version.raw_data = [str(row.version)]
    form.version.data = row.version
