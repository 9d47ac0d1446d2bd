"""The therapist's side of check-ins: settings per couple, and safety flags until acknowledged.

Safety answers and flags are read only here and in the record export, and
only for couples the caller has already reached through a clinician-scoped
helper (or, for the dashboard, by the clinician's own id inside the query).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from practice import audit
from practice.domain import ConflictError, DomainError
from practice.extensions import db
from practice.models import Clinician, Couple, SafetyAnswer, SafetyFlag, utcnow
from practice.platform.database import writing
from practice.rules.versioning import save_versioned

ALREADY_ACKNOWLEDGED = "This safety answer was already acknowledged, so nothing was changed."


def update_settings(couple: Couple, expected_version: int | None, cadence_days: int, paused: bool) -> None:
    """Change how often the couple is asked to check in, or pause it; a stale form is refused."""
    with writing():
        audit.record(audit.AuditAction.CHANGE, record=couple, detail={"what": "checkin_settings"})
        save_versioned(couple, expected_version, {"checkin_cadence_days": cadence_days, "checkins_paused": paused})


def flag_applies(couple: Couple) -> bool:
    """Whether couple work waits on safety: a flag is unacknowledged, or was raised within the practice's weeks.

    Asks only whether such a flag exists: nothing about which partner raised it is loaded.
    """
    since = utcnow() - timedelta(weeks=couple.clinician.practice.safety_flag_weeks)
    return bool(db.session.scalar(select(exists().where(
        SafetyFlag.couple_id == couple.id, or_(SafetyFlag.acknowledged_at.is_(None), SafetyFlag.raised_at >= since),
    ))))


def any_flag_applies(couple: Couple, flags: list[SafetyFlag]) -> bool:
    """`flag_applies` over flags already loaded (the couple page has them all), so it costs no statement."""
    since = utcnow() - timedelta(weeks=couple.clinician.practice.safety_flag_weeks)
    return any(flag.acknowledged_at is None or flag.raised_at >= since for flag in flags)


def open_flags_for(clinician: Clinician) -> list[SafetyFlag]:
    """Unacknowledged safety flags of this clinician's couples, oldest first, for the dashboard."""
    flags = list(db.session.scalars(
        select(SafetyFlag)
        .join(SafetyFlag.couple)
        .where(Couple.clinician_id == clinician.id, SafetyFlag.acknowledged_at.is_(None))
        .options(joinedload(SafetyFlag.couple).selectinload(Couple.partners))
        .order_by(SafetyFlag.raised_at, SafetyFlag.id)
    ))
    _load_answers(flags)
    return flags


def _load_answers(flags: list[SafetyFlag]) -> None:
    """The answers the flags' sealed details name, in one query, so `flag.safety_answer` needs none."""
    ids = [f.safety_answer_id for f in flags if f.safety_answer_id is not None]
    if ids:
        db.session.scalars(select(SafetyAnswer).where(
            SafetyAnswer.id.in_(ids),
            SafetyAnswer.couple_id.in_({f.couple_id for f in flags}),
        )).all()


def couple_flags(couple: Couple) -> list[SafetyFlag]:
    """Every safety flag of an (already authorised) couple, newest first."""
    flags = list(db.session.scalars(
        select(SafetyFlag)
        .where(SafetyFlag.couple_id == couple.id)
        .options(joinedload(SafetyFlag.acknowledged_by))
        .order_by(SafetyFlag.raised_at.desc(), SafetyFlag.id.desc())
    ))
    _load_answers(flags)
    return flags


def acknowledge(flag: SafetyFlag, clinician: Clinician, note: str) -> None:
    """Record that the therapist has read the answer and what they did; the flag then leaves the lists."""
    try:
        with writing():
            if not flag.is_open:  # read under the lock: another tab may have acknowledged it meanwhile
                raise DomainError(ALREADY_ACKNOWLEDGED)
            flag.acknowledged_at = utcnow()
            flag.acknowledged_by = clinician
            flag.acknowledgement_note = note
            audit.record(audit.AuditAction.CHANGE, record=flag)
    except StaleDataError:  # PostgreSQL: a save that raced ours (writing() has rolled back)
        raise ConflictError(ALREADY_ACKNOWLEDGED) from None

