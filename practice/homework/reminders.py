"""Due-date reminders for partners, sent by `flask send-reminders` from a scheduler.

Each reminder is recorded before it is sent, under a unique (response, kind)
key, so overlapping or repeated runs never send the same one twice. If the
mail server refuses it on every attempt (practice.platform.mail retries on the
queue), the record is removed and the next run tries again; until one goes
out, the practice owner sees it on the "could not be sent" list.
No answer text is ever put into an email, and one-partner-only homework (the
private safety plan) is never reminded of at all: an inbox may be read by the
other partner, and its title alone would tell them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from practice.domain import ResponseStatus
from practice.extensions import db
from practice.models import (
    Assignment,
    Clinician,
    Couple,
    ExerciseVersion,
    OutgoingEmail,
    Partner,
    Practice,
    ReminderSent,
    Response,
)
from practice.platform.database import writing
from practice.platform.mail import Regarding, on_failure, send_templated
from practice.platform.urls import public_url_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    response_id: int
    kind: str  # "due_soon" (due today or tomorrow) or "overdue"


def reminders_due(now: datetime) -> list[Due]:
    """Open homework of partners who can sign in and have an email, that needs a nudge now."""
    horizon = now.date() + timedelta(days=2)  # generous in UTC; each practice's own date decides below
    rows = db.session.execute(
        select(Response.id, Assignment.due_date, Couple.status, Partner.email, Partner.password_hash,
               Partner.access_revoked_at, Clinician.practice_id, Clinician.active)
        .join(Response.assignment).join(Assignment.couple).join(Couple.clinician).join(Response.partner)
        .join(Assignment.exercise_version)
        .where(Response.status != ResponseStatus.SUBMITTED.value, Assignment.due_date <= horizon,
               ExerciseVersion.one_partner_only.is_(False))
    )
    zones = _practice_zones()
    due = []
    for response_id, due_date, status, email, password_hash, revoked, practice_id, clinician_active in rows:
        if status != "active" or not email or password_hash is None or revoked is not None:
            continue
        if not clinician_active:  # no nudging towards a therapist who can't read it (practice.practices.services)
            continue
        kind = _kind(due_date, now.astimezone(zones[practice_id]).date())
        if kind:
            due.append(Due(response_id, kind))
    return due


def _kind(due_date: date, today: date) -> str | None:
    if due_date < today:
        return "overdue"
    if due_date <= today + timedelta(days=1):
        return "due_soon"
    return None


def _practice_zones() -> dict[int, ZoneInfo]:
    return {pid: ZoneInfo(tz) for pid, tz in db.session.execute(select(Practice.id, Practice.timezone))}


def send_reminders(now: datetime) -> int:
    """Send every reminder that is due and not yet sent; return how many went out."""
    sent = 0
    for item in reminders_due(now):
        if _claim(item, now):
            sent += _deliver(item)
    return sent


def _claim(item: Due, now: datetime) -> bool:
    """Record the reminder first; a unique key means another run already has it."""
    try:
        with writing():
            db.session.add(ReminderSent(response_id=item.response_id, kind=item.kind, sent_at=now))
    except IntegrityError:
        return False
    return True


def _deliver(item: Due) -> int:
    """Queue the reminder's email (read, then one short unit of work in practice.platform.mail)."""
    response = db.session.scalar(
        select(Response).where(Response.id == item.response_id)
        .options(joinedload(Response.partner).joinedload(Partner.couple).joinedload(Couple.clinician),
                 joinedload(Response.assignment).joinedload(Assignment.exercise_version))
    )
    subject = ("A gentle reminder: " if item.kind == "due_soon" else "Still there for you: ") + response.assignment.exercise_version.title
    partner = response.partner
    regarding = Regarding(practice_id=partner.couple.clinician.practice_id, partner_id=partner.id,
                          topic=f"reminder:{item.response_id}:{item.kind}")
    try:
        send_templated(partner.email, subject, "reminder", regarding=regarding, response=response, kind=item.kind,
                       link=public_url_for("portal.answer", assignment_id=response.assignment_id))
    except Exception:  # refused at once (no queue to retry on): release the claim so the next run retries
        log.exception("reminder %s for response %s could not be sent", item.kind, item.response_id)
        with writing():
            _release(item.response_id, item.kind)
        return 0
    return 1


@on_failure("reminder")
def _release_failed(row: OutgoingEmail) -> None:
    """A reminder the mail server refused on every attempt: the next run may claim it again (inside writing())."""
    _, response_id, kind = row.topic.split(":")
    _release(int(response_id), kind)


def _release(response_id: int, kind: str) -> None:
    db.session.execute(
        ReminderSent.__table__.delete().where(ReminderSent.response_id == response_id, ReminderSent.kind == kind)
    )
