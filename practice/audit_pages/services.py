"""Reading the audit trail back, for the people allowed to see it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from practice import audit
from practice.extensions import db
from practice.models import AuditEvent, Clinician, Couple
from practice.platform.database import writing


def couple_trail(couple: Couple) -> Select[tuple[AuditEvent]]:
    """Events about one couple, newest first (the couple is already authorised)."""
    return select(AuditEvent).where(AuditEvent.couple_id == couple.id).order_by(AuditEvent.id.desc())


@dataclass(frozen=True)
class TrailFilter:
    """What the owner narrowed the practice trail to; None means any."""

    action: str | None = None
    who: str | None = None  # "clinician:<id>", or an actor kind ("partner", "system", "anonymous")
    couple_id: int | None = None
    since: datetime | None = None  # UTC bounds of the days chosen in the practice's zone
    until: datetime | None = None


def day_bounds(since: date | None, until: date | None, zone: str) -> tuple[datetime | None, datetime | None]:
    """The first moment of `since` and the first moment after `until`, in the practice's zone, as UTC.

    A day at the very edge of the calendar (year 1, year 9999) bounds nothing rather than overflowing.
    """
    def start(day: date | None, later: int = 0) -> datetime | None:
        try:
            return datetime.combine(day + timedelta(days=later), time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)
        except (OverflowError, TypeError):
            return None

    return start(since), start(until, later=1)


def practice_trail(practice_id: int, filters: TrailFilter = TrailFilter()) -> Select[tuple[AuditEvent]]:
    """Events of one practice, newest first, narrowed by `filters`."""
    query = select(AuditEvent).where(AuditEvent.practice_id == practice_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.who:
        kind, _, actor_id = filters.who.partition(":")
        query = query.where(AuditEvent.actor_kind == kind)
        if actor_id:
            query = query.where(AuditEvent.actor_id == int(actor_id))
    if filters.couple_id is not None:
        query = query.where(AuditEvent.couple_id == filters.couple_id)
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.occurred_at < filters.until)
    return query.order_by(AuditEvent.id.desc())


def filter_choices(viewer: Clinician) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The practice's clinicians, and the viewer's own couples, for the filter's menus."""
    clinicians = db.session.execute(select(Clinician.id, Clinician.name)
                                    .where(Clinician.practice_id == viewer.practice_id).order_by(Clinician.name)).all()
    couples = db.session.scalars(select(Couple).where(Couple.clinician_id == viewer.id)
                                 .options(selectinload(Couple.partners)).order_by(Couple.id))
    return [tuple(row) for row in clinicians], sorted(((c.id, c.name) for c in couples), key=lambda c: c[1].casefold())


def note_trail_downloaded(viewer: Clinician) -> None:
    """The download of the trail is itself on the trail."""
    with writing():
        audit.record(audit.AuditAction.EXPORT, record_type="Practice", record_id=viewer.practice_id,
                     detail={"what": "audit_trail"})


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
