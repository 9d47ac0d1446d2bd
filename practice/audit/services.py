"""Recording audit events.

Features call `record(...)` inside their own unit of work (`writing()`), so the event is stored
exactly when the change is: both or neither. Reads call `viewed(...)` and refused accesses
`refused(...)`; neither touches the request's session, so a read never holds SQLite's only write
lock for the rest of the request and a refusal never commits half-done work. In a request the event
is queued on `g` and `write_queued_events` (an `after_request` hook, which runs for 404 and 403
pages too) writes the queue in one short transaction on a separate session; a queued view is
written even if the request then fails. If the trail cannot be written the person gets the "short
break" page. Outside a request (the command line, jobs) the event is written at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import Response, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from practice.extensions import db
from practice.models import AuditAction, AuditEvent, Couple, utcnow
from practice.platform.database import writing
from practice.web.error_pages import unavailable_page

# Detail values are numbers or short keys (field names, endpoints, digests):
# free text, and so clinical text, cannot reach the trail.
SAFE_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{0,80}")
QUEUED = "twofold_audit_queue"  # on flask.g: events of this request written after it


def record(
    action: AuditAction | str,
    *,
    record=None,
    actor=None,
    record_type: str | None = None,
    record_id: int | None = None,
    couple_id: int | None = None,
    practice_id: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's unit of work (inside `writing()`); the caller commits.

    `actor` defaults to the signed-in person (anonymous in a request without one, system outside a
    request); a new record or actor is flushed first so the event can name its id.
    """
    event = _event(action, record=record, actor=actor, record_type=record_type, record_id=record_id,
                   couple_id=couple_id, practice_id=practice_id, detail=detail)
    db.session.add(event)
    return event


def _event(action, *, record=None, actor=None, record_type=None, record_id=None, couple_id=None,
           practice_id=None, detail=None) -> AuditEvent:
    """The event's fields, taken now (who, from where, about what), in an event no session holds yet."""
    person = actor or _signed_in()
    if any(row is not None and row.id is None for row in (record, person)):
        db.session.flush()
    return AuditEvent(
        occurred_at=utcnow(),
        actor_kind=_actor_kind(person),
        actor_id=getattr(person, "id", None),
        action=AuditAction(action).value,
        record_type=record_type or (type(record).__name__ if record is not None else None),
        record_id=record_id if record_id is not None else getattr(record, "id", None),
        couple_id=couple_id if couple_id is not None else _couple_id_of(record),
        practice_id=practice_id if practice_id is not None else getattr(person, "practice_id", None),
        remote_addr=request.remote_addr if has_request_context() else None,
        detail=_safe_detail(detail or {}),
    )


def viewed(record, **fields) -> None:
    """Note that the signed-in person viewed a record; written in its own transaction (see the module).

    One page view is one row: a request's first view names the page's record, and any later one is dropped.
    """
    if has_request_context() and any(e.action == AuditAction.VIEW.value for e in g.get(QUEUED, ())):
        return
    _write_apart(AuditAction.VIEW, record=record, **fields)


def refused(record_type: str | None = None, record_id: int | None = None, **fields) -> None:
    """Note a refused or not-found access attempt; written in its own transaction, never the caller's."""
    _write_apart(AuditAction.ACCESS_REFUSED, record_type=record_type, record_id=record_id, **fields)


def _write_apart(action: AuditAction, **fields) -> None:
    event = _event(action, **fields)
    if has_request_context():
        g.setdefault(QUEUED, []).append(event)
    else:
        _store([event])


def write_queued_events(response: Response) -> Response:
    """`after_request`: store this request's views and refusals, or answer 503 if the trail can't take them."""
    events = g.pop(QUEUED, None)
    if not events:
        return response
    # End the request's own transaction first (teardown would): it holds no work of a unit that
    # committed, and on SQLite a lock it still held would make the trail wait on this very request.
    db.session.rollback()
    try:
        _store(events)
    except SQLAlchemyError:
        current_app.logger.exception("The audit trail could not record %d event(s); the page was withheld", len(events))
        return unavailable_page()
    return response


def _store(events: list[AuditEvent]) -> None:
    """One short unit of work on a session of its own: the chain seals the events under the write lock."""
    with Session(bind=db.engine) as session, writing(session):
        session.add_all(events)


def email_digest(email: str) -> str:
    """A keyed hash of a typed email: lets operators group failed sign-ins without storing the address."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _signed_in():
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _actor_kind(person) -> str:
    """The kind prefix of the login id ("clinician", "partner"), so every kind of person fits."""
    if person is None:
        return "anonymous" if has_request_context() else "system"
    return person.get_id().partition(":")[0]


def _couple_id_of(record) -> int | None:
    if isinstance(record, Couple):
        return record.id
    return getattr(record, "couple_id", None)


def _safe_detail(detail: dict) -> dict:
    for key, value in detail.items():
        safe_value = value is None or isinstance(value, int) or (isinstance(value, str) and SAFE_TOKEN.fullmatch(value))
        if not (SAFE_TOKEN.fullmatch(key) and safe_value):
            raise ValueError(f"Audit detail {key!r} must be a number or a short key, never free text.")
    return detail
