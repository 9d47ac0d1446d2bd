"""Optimistic locking: a save from a stale form never overwrites silently."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm.exc import StaleDataError

from practice.domain import ConflictError
from practice.extensions import db
from practice.platform.database import UnitOfWorkError, is_writing


def save_versioned(row, expected_version: int | None, changes: dict) -> None:
    """Apply `changes` to a versioned row inside the caller's `writing()`, unless it changed since the form was built.

    Two guards: the version the form carried, and SQLAlchemy's
    `WHERE version = ...` on the UPDATE for a save that races ours. The
    UPDATE is flushed here, not at the caller's commit, so a race surfaces
    as a ConflictError that the caller's `writing()` rolls back whole, and
    the view keeps the person's typed text (`keep_typed_text_after_conflict`).
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

    The one shape of every versioned form's POST: `if form.validate_on_submit()
    and saved_unless_conflict(form, couple, lambda: services.update_couple(...)):`
    flash and redirect; otherwise render the form again.
    """
    try:
        save()
    except ConflictError as error:
        keep_typed_text_after_conflict(form, row, error)
        return False
    return True
