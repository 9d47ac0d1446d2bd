"""Session rules: record a session, save its note as a draft, sign and lock it, amend, release the handout."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only, selectinload

from practice import audit
from practice.domain import DomainError
from practice.extensions import db
from practice.models import Assignment, Clinician, Couple, SessionAmendment, TherapySession, utcnow
from practice.pdf import PdfError
from practice.platform.database import writing
from practice.rules.versioning import ensure_version, save_versioned
from practice.sessions import frozen

log = logging.getLogger(__name__)

REVIEW_CHOICES = 30  # homework offered for "reviewed": the most recent due by the session date

LIST_COLUMNS = (
    TherapySession.couple_id, TherapySession.number, TherapySession.starts_at, TherapySession.format,
    TherapySession.attended, TherapySession.signed_at, TherapySession.handout_released_at,
    TherapySession.handout_version,
)

SIGNED = "This note is signed and locked, so it can't be edited. Add an amendment below instead."
SIGNING_MEANS = (
    "The note is locked as it stands, with your name and today's date. Nobody can edit it afterwards.",
    "Anything you want to add later goes below it as a dated amendment; the signed text never changes.",
    "The clinician copy and the couple's handout are made now and kept exactly as signed.",
    "The handout is not shown to the couple yet: you release it when you are ready.",
)
RELEASING_MEANS = (
    "Each partner can download the handout from their own portal, from now on.",
    "It holds the summary for the couple, the homework set and the crisis lines, never your clinical note.",
    "Nobody is emailed. You can withdraw it later, but a partner who has downloaded it keeps their copy.",
)


@dataclass(frozen=True)
class SessionDetails:
    """When and how a session took place, as the therapist entered it."""

    day: date
    at: time
    minutes: int
    format: str
    attended: str


@dataclass(frozen=True)
class NoteDraft:
    """Everything the note form saves: the details, the notes and the homework links."""

    details: SessionDetails
    focus: str
    interventions: list[str]
    interventions_other: str
    observations: str
    plan: str
    couple_summary: str
    reviewed: list[int]
    assigned: list[int]
    handout_progress: str = ""


def starts_at(details: SessionDetails, timezone: str) -> datetime:
    """The date and time typed in the practice's time zone, as aware UTC."""
    return datetime.combine(details.day, details.at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def couple_sessions(couple: Couple) -> list[TherapySession]:
    """A couple's sessions, latest first, for a list: the notes are neither loaded nor decrypted."""
    return list(db.session.scalars(
        select(TherapySession)
        .where(TherapySession.couple_id == couple.id)
        .options(load_only(*LIST_COLUMNS))
        .order_by(TherapySession.starts_at.desc(), TherapySession.id.desc())
    ))


def create_session(couple: Couple, clinician: Clinician, details: SessionDetails) -> TherapySession:
    """Record a session with the next number, linking the homework that is probably meant."""
    try:
        with writing():  # the next number is read under the lock
            timezone = clinician.practice.timezone
            session = TherapySession(
                couple=couple, clinician=clinician, number=_next_number(couple),
                starts_at=starts_at(details, timezone), minutes=details.minutes, format=details.format,
                attended=details.attended,
            )
            day = session.local_start(timezone).date()
            session.homework_reviewed = _due_since_previous(couple, session.starts_at, day, timezone)
            session.homework_assigned = _set_on(couple, day)
            couple.last_activity_at = utcnow()
            db.session.add(session)
            audit.record(audit.AuditAction.CREATE, record=session)
    except IntegrityError:  # PostgreSQL: two sessions recorded for the couple at the same moment took one number
        raise DomainError("Another session was recorded for this couple just now. Please save again.") from None
    return session


def save_draft(session: TherapySession, expected_version: int | None, draft: NoteDraft) -> None:
    """Save the unsigned note, refusing a stale form so two tabs never overwrite each other."""
    _apply(session, expected_version, draft, {})


def check_signable(draft: NoteDraft) -> None:
    """Raise the reason a note could not be signed as it stands, if there is one."""
    if not draft.focus:
        raise DomainError("Please note the session's focus before signing.", field="focus")


def sign(session: TherapySession, clinician: Clinician, expected_version: int | None, draft: NoteDraft) -> None:
    """Save the note as shown and lock it, with who signed and when."""
    check_signable(draft)
    _apply(session, expected_version, draft, {"signed_at": utcnow(), "signed_by": clinician}, step="signed")
    _freeze(session, clinician, reason="signed")


def may_amend(session: TherapySession, clinician: Clinician) -> bool:
    """Only the clinician who signed a note adds to it, and only once it is signed."""
    return session.is_signed and session.signed_by_id == clinician.id


def add_amendment(session: TherapySession, author: Clinician, text: str) -> SessionAmendment:
    """Add a dated amendment to a signed note; the note itself never changes."""
    with writing():
        if not may_amend(session, author):
            raise DomainError("Only the clinician who signed this note can add an amendment.")
        amendment = SessionAmendment(session=session, author=author, text=text)
        db.session.add(amendment)
        audit.record(audit.AuditAction.CREATE, record=amendment, couple_id=session.couple_id)
    _freeze(session, author)  # the clinician copy's next version: the last one plus this amendment
    return amendment


def release_handout(session: TherapySession) -> None:
    """Let both partners download the couple handout (its latest frozen version) from their portal."""
    frozen.release(session)


def withdraw_handout(session: TherapySession) -> None:
    """Take a released handout out of the partners' portal (recorded); it can be released again."""
    frozen.withdraw(session)


def release_corrected_handout(session: TherapySession, clinician: Clinician, reason: str) -> None:
    """Release a corrected handout in place of the old one, and tell the partners."""
    frozen.release_corrected(session, clinician, reason)


def _freeze(session: TherapySession, clinician: Clinician, *, reason: str = "frozen_later") -> None:
    """Store the signed documents now; if drawing fails, the next download, release or export stores them."""
    try:
        frozen.freeze(session, clinician, reason=reason)
    except PdfError:  # nothing was stored: the drawing happens before the unit of work that stores it
        log.warning("session %s: its signed documents could not be drawn yet; they will be on first need", session.id)


def reviewable_homework(session: TherapySession, timezone: str) -> list[Assignment]:
    """The couple's homework due by the session date (the latest first), and whatever is already linked."""
    day = session.local_start(timezone).date()
    due = db.session.scalars(
        _couple_homework(session.couple_id).where(Assignment.due_date <= day)
        .order_by(Assignment.due_date.desc(), Assignment.id.desc()).limit(REVIEW_CHOICES)
    )
    return _with_linked(list(due), session.homework_reviewed)


def assignable_homework(session: TherapySession, timezone: str) -> list[Assignment]:
    """The couple's homework set on or after the session date and not linked to another session."""
    day = session.local_start(timezone).date()
    return list(db.session.scalars(
        _couple_homework(session.couple_id)
        .where(Assignment.starts_on >= day,
               or_(Assignment.session_id.is_(None), Assignment.session_id == session.id))
        .order_by(Assignment.due_date, Assignment.id)
    ))


def _apply(session: TherapySession, expected_version: int | None, draft: NoteDraft, extra: dict,
           step: str = "draft_saved") -> None:
    with writing():  # checked under the lock: another tab may have signed or saved meanwhile
        if session.is_signed:
            raise DomainError(SIGNED)
        ensure_version(session, expected_version)
        audit.record(audit.AuditAction.CHANGE, record=session, detail={"step": step})
        save_versioned(session, expected_version, _changes(session, draft) | extra)


def _changes(session: TherapySession, draft: NoteDraft) -> dict:
    """The note form's values as the session's columns."""
    details = draft.details
    return {
        "starts_at": starts_at(details, session.clinician.practice.timezone), "minutes": details.minutes,
        "format": details.format, "attended": details.attended, "focus": draft.focus,
        "interventions": list(draft.interventions), "interventions_other": draft.interventions_other,
        "observations": draft.observations, "plan": draft.plan, "couple_summary": draft.couple_summary,
        "handout_progress": draft.handout_progress,
        "homework_reviewed": _own_homework(session.couple_id, draft.reviewed),
        "homework_assigned": _own_homework(session.couple_id, draft.assigned,
                                           or_(Assignment.session_id.is_(None), Assignment.session_id == session.id)),
        "updated_at": utcnow(),  # a save that only changes links still moves the version on
    }


def _next_number(couple: Couple) -> int:
    return (db.session.scalar(
        select(func.max(TherapySession.number)).where(TherapySession.couple_id == couple.id)
    ) or 0) + 1


def _couple_homework(couple_id: int):
    return (
        select(Assignment).where(Assignment.couple_id == couple_id)
        .options(joinedload(Assignment.exercise_version, innerjoin=True), selectinload(Assignment.responses))
    )


def _own_homework(couple_id: int, ids: Iterable[int], *conditions) -> list[Assignment]:
    """Assignments of this couple with these ids (and `conditions`); any other id is simply not found."""
    ids = list(ids)
    if not ids:
        return []
    query = select(Assignment).where(Assignment.couple_id == couple_id, Assignment.id.in_(ids), *conditions)
    return list(db.session.scalars(query))


def _due_since_previous(couple: Couple, start: datetime, day: date, timezone: str) -> list[Assignment]:
    """Homework due after the previous session's date, up to and including this session's date."""
    previous = db.session.scalar(
        select(TherapySession.starts_at).where(TherapySession.couple_id == couple.id, TherapySession.starts_at < start)
        .order_by(TherapySession.starts_at.desc()).limit(1)
    )
    query = _couple_homework(couple.id).where(Assignment.due_date <= day)
    if previous is not None:
        query = query.where(Assignment.due_date > previous.astimezone(ZoneInfo(timezone)).date())
    return list(db.session.scalars(query.order_by(Assignment.due_date)))


def _set_on(couple: Couple, day: date) -> list[Assignment]:
    """Homework set on the session date that no other session claims: most likely set in this one."""
    return list(db.session.scalars(
        _couple_homework(couple.id).where(Assignment.starts_on == day, Assignment.session_id.is_(None))
    ))


def _with_linked(choices: list[Assignment], linked: list[Assignment]) -> list[Assignment]:
    seen = {a.id for a in choices}
    return choices + [a for a in linked if a.id not in seen]

