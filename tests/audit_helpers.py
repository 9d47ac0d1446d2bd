"""Shared helpers for the audit trail tests."""

from __future__ import annotations

from sqlalchemy import select

from practice.audit.chain import canonical
from practice.extensions import db
from practice.models import AuditEvent


def audit_events(action: str | None = None) -> list[AuditEvent]:
    """Stored events in chain order, optionally of one action."""
    db.session.rollback()  # see what requests committed
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def stored_text() -> str:
    """Every event's hashed fields as one string, to search for things that must not be there."""
    return "\n".join(canonical(event) + event.hash for event in audit_events())
