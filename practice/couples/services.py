"""Caseload rules: listing, creating, editing and archiving couples."""

from __future__ import annotations

from sqlalchemy import Select, select

from practice import audit
from practice.authz import couples_of_current_clinician
from practice.domain import CoupleStatus
from practice.extensions import db
from practice.models import Clinician, Couple, Partner, utcnow
from practice.platform.database import contains_text, writing
from practice.rules.versioning import ensure_version, save_versioned

PARTNER_FIELDS = ("name", "pronouns", "email")
COUPLE_FIELDS = ("concerns", "stage", "start_date", "status")
OPEN_STATUSES = (CoupleStatus.ACTIVE.value, CoupleStatus.PAUSED.value)


def caseload_query(search: str | None, status: str) -> Select[tuple[Couple]]:
    """The signed-in clinician's couples, filtered and sorted by latest activity."""
    query = couples_of_current_clinician()
    if status == "open":
        query = query.where(Couple.status.in_(OPEN_STATUSES))
    elif status in {s.value for s in CoupleStatus}:
        query = query.where(Couple.status == status)
    if search:
        # Correlated, so only this caseload's partners are read, never the whole practice's.
        query = query.where(
            select(Partner.id).where(Partner.couple_id == Couple.id, contains_text(Partner.name, search)).exists()
        )
    return query.order_by(Couple.last_activity_at.desc(), Couple.id.desc())


def _partner_values(data: dict) -> dict:
    return {key: (data.get(key) or None) if key == "email" else (data.get(key) or "") for key in PARTNER_FIELDS}


def _couple_values(data: dict) -> dict:
    values = {key: data[key] for key in COUPLE_FIELDS}
    values["concerns"] = list(dict.fromkeys(values["concerns"] or []))
    return values


def create_couple(clinician: Clinician, data: dict) -> Couple:
    """Add a couple with its two partners to a clinician's caseload."""
    with writing():
        couple = Couple(clinician=clinician, **_couple_values(data))
        couple.partners = [Partner(position=n, **_partner_values(data[f"partner{n}"])) for n in (1, 2)]
        _mark_closed(couple)
        db.session.add(couple)
        audit.record(audit.AuditAction.CREATE, record=couple)
    return couple


def update_couple(couple: Couple, expected_version: int | None, data: dict) -> None:
    """Save changes to a couple and its partners, refusing a stale form.

    The couple row always changes (its activity time), so its version guards
    the partners' rows too.
    """
    with writing():
        ensure_version(couple, expected_version)
        for n in (1, 2):
            for key, value in _partner_values(data[f"partner{n}"]).items():
                setattr(couple.partner(n), key, value)
        changes = _couple_values(data) | {"last_activity_at": utcnow()} | _milestones(couple, data)
        changes["closed_at"] = _closed_at(couple, changes["status"])
        audit.record(audit.AuditAction.CHANGE, record=couple)
        save_versioned(couple, expected_version, changes)


MILESTONE_FIELDS = ("withdrawer_reengaged_on", "softening_on")


def _milestones(couple: Couple, data: dict) -> dict:
    """The restructuring milestones from the edit form, with an audit event naming each one that changed."""
    changes = {name: data.get(name) for name in MILESTONE_FIELDS if name in data}
    for name, when in changes.items():
        if getattr(couple, name) != when:
            audit.record(audit.AuditAction.CHANGE, record=couple,
                         detail={"field": name, "on": when.isoformat() if when else None})
    return changes


def _closed_at(couple: Couple, status: str):
    if status != CoupleStatus.CLOSED.value:
        return None
    return couple.closed_at or utcnow()


def _mark_closed(couple: Couple) -> None:
    couple.closed_at = _closed_at(couple, couple.status)
