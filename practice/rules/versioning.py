"""Optimistic locking: a save from a stale form never overwrites silently."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm.exc import StaleDataError

from practice.domain import ConflictError
from practice.extensions import db
from practice.platform.database import UnitOfWorkError, is_writing


def save_versioned(row, expected_version: int | None, changes: dict) -> None:
    """Apply `changes` to a versioned row inside the caller's `writing()`, unless it changed since the form was built.

    Two guards: the form's version and SQLAlchemy's `WHERE version = ...`. The UPDATE is flushed here,
    so a racing save raises ConflictError inside the caller's `writing()`, which rolls it back whole.
    """
    if not is_writing(db.session):
        raise UnitOfWorkError("save_versioned() joins the caller's unit of work: call it inside `with writing():`.")
    ensure_version(row, expected_version)
    for key, value in changes.items():
        setattr(row, key, value)
    flush_or_conflict()


def flush_or_conflict(conflict: ConflictError | None = None, races: tuple[type[Exception], ...] = ()) -> None:
    """Flush the unit of work now, turning a save that raced ours (StaleDataError, or `races`) into a conflict.

    Inside `writing()` the raised conflict rolls the whole unit of work back.
    """
    try:
        db.session.flush()
    except (StaleDataError, *races):
        raise (conflict or ConflictError()) from None


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


def saved_unless_conflict(form, row, save: Callable[[], object]) -> bool:
    """Run a form's save; True if it went through, False after a conflict (the form then says so and keeps the typing).

    Every versioned form's POST calls it after `validate_on_submit()`: flash and redirect when True,
    render the form again when False.
    """
    try:
        save()
    except ConflictError as error:
        keep_typed_text_after_conflict(form, row, error)
        return False
    return True
