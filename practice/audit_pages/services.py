"""Reading the audit trail back, for the people allowed to see it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select

from practice.extensions import db
from practice.models import AuditEvent, Clinician, Couple


def couple_trail(couple: Couple) -> Select[tuple[AuditEvent]]:
    """Events about one couple, newest first (the couple is already authorised)."""
    return select(AuditEvent).where(AuditEvent.couple_id == couple.id).order_by(AuditEvent.id.desc())


def practice_trail(practice_id: int, action: str | None = None) -> Select[tuple[AuditEvent]]:
    """Events of one practice, newest first, optionally of one action."""
    query = select(AuditEvent).where(AuditEvent.practice_id == practice_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return query.order_by(AuditEvent.id.desc())


def actor_labels(events: Sequence[AuditEvent], practice_id: int) -> dict[int, str]:
    """Who did each event, by event id; names come only from the viewer's own practice."""
    clinician_ids = {e.actor_id for e in events if e.actor_kind == "clinician"}
    names = dict(
        db.session.execute(
            select(Clinician.id, Clinician.name).where(
                Clinician.practice_id == practice_id, Clinician.id.in_(clinician_ids)
            )
        ).all()
    )
    return {e.id: _actor_label(e, names) for e in events}


def _actor_label(event: AuditEvent, clinician_names: dict[int, str]) -> str:
    if event.actor_kind == "clinician" and event.actor_id in clinician_names:
        return clinician_names[event.actor_id]
    if event.actor_id is None:
        return {"system": "Twofold (system)"}.get(event.actor_kind, "Someone not signed in")
    return f"{event.actor_kind.capitalize()} #{event.actor_id}"
