"""Safety notices: a raised flag always reaches a person.

A raised flag records a "clinician" notice for the couple's clinician in the same commit, delivered
at once on the job queue; unacknowledged after the practice's `safety_escalation_hours` (or at once
if that clinician can no longer sign in), every active owner gets an "owner" notice.
`flask --app practice send-reminders` runs `run(now)`, which records due escalations and
(re)delivers every unsent notice, so cron is the backstop for both stages.

Each notice is a `SafetyNotice` row, unique per flag, stage and recipient and written before any
email, so overlapping runs never send it twice. Delivery claims the row ("sending") in its own
commit, sends, then marks it "sent"; a later run takes over a claim older than CLAIM_LEASE. Only a
crash between the server accepting and the "sent" commit duplicates a message (at least once, never
lost). The email holds no names and no details, only a link.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import render_template
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from practice.extensions import db, queue
from practice.models import Clinician, Couple, SafetyFlag, SafetyNotice, utcnow
from practice.platform.database import writing
from practice.platform.unit import end_read
from practice.platform.urls import public_url_for

log = logging.getLogger(__name__)

CLINICIAN, OWNER = "clinician", "owner"
PENDING, SENDING, SENT = "pending", "sending", "sent"
CLAIM_LEASE = timedelta(minutes=15)
SUBJECT = "A check-in needs your attention"


def record_for_clinician(flag: SafetyFlag, couple: Couple) -> None:
    """Record (not yet send) the first notice of a new flag, in the flag's own transaction."""
    db.session.add(SafetyNotice(flag=flag, stage=CLINICIAN, clinician_id=couple.clinician_id))


def hand_over(couple_ids: list[int], clinician_id: int) -> list[int]:
    """Record a clinician notice to the new therapist for every open flag of couples just moved to them.

    Runs inside the move's own transaction and returns the flags' ids to deliver after the commit; the
    new notices replace any still waiting for the clinician who left.
    """
    flag_ids = list(db.session.scalars(
        select(SafetyFlag.id).where(SafetyFlag.couple_id.in_(couple_ids), SafetyFlag.acknowledged_at.is_(None))
    ))
    told = set(db.session.scalars(select(SafetyNotice.flag_id).where(
        SafetyNotice.flag_id.in_(flag_ids), SafetyNotice.stage == CLINICIAN, SafetyNotice.clinician_id == clinician_id)))
    for flag_id in flag_ids:
        if flag_id not in told:  # a couple handed back to a therapist who was told before
            db.session.add(SafetyNotice(flag_id=flag_id, stage=CLINICIAN, clinician_id=clinician_id))
    return flag_ids


@queue.task("practice.checkins.notices.deliver_queued")
def deliver_queued(flag_id: int) -> None:
    """The queue's way in: deliver one new flag's notices (the cron run catches anything this misses)."""
    deliver_pending(utcnow(), flag_id=flag_id)


def deliver_soon(flag_id: int) -> None:
    """Deliver a flag's recorded notices, off the request; never lets a mail failure reach the person asking."""
    try:
        queue.enqueue(deliver_queued, flag_id)
    except Exception:  # the cron run delivers it instead
        log.exception("safety notices could not be queued; the next send-reminders run will send them")


def run(now: datetime) -> tuple[int, int]:
    """Record due escalations, then deliver every unsent notice: (recorded, sent)."""
    recorded = escalate(now)
    return recorded, deliver_pending(now)


def escalate(now: datetime) -> int:
    """Record an owner notice for every open flag older than its practice's limit; return how many."""
    rows = db.session.execute(
        select(SafetyFlag.id, SafetyFlag.raised_at, Clinician.practice_id, Clinician.active)
        .join(SafetyFlag.couple).join(Couple.clinician)
        .where(SafetyFlag.acknowledged_at.is_(None))
    ).all()
    limits = _limits()
    recorded = 0
    for flag_id, raised_at, practice_id, clinician_active in rows:
        if clinician_active and raised_at + timedelta(hours=limits[practice_id]) > now:
            continue
        for owner in _owners(practice_id):
            recorded += _record(flag_id, OWNER, owner.id, now)
    return recorded


def _limits() -> dict[int, int]:
    from practice.models import Practice

    return dict(db.session.execute(select(Practice.id, Practice.safety_escalation_hours)).all())


def _owners(practice_id: int) -> list[Clinician]:
    return list(db.session.scalars(
        select(Clinician).where(Clinician.practice_id == practice_id, Clinician.is_owner.is_(True),
                                Clinician.active.is_(True)).order_by(Clinician.id)
    ))


def _record(flag_id: int, stage: str, clinician_id: int, now: datetime) -> int:
    """Insert one notice; the unique key turns a second run's attempt into a no-op."""
    try:
        with writing():
            exists = db.session.scalar(select(SafetyNotice.id).where(
                SafetyNotice.flag_id == flag_id, SafetyNotice.stage == stage, SafetyNotice.clinician_id == clinician_id))
            if exists is not None:
                return 0
            db.session.add(SafetyNotice(flag_id=flag_id, stage=stage, clinician_id=clinician_id, created_at=now))
    except IntegrityError:  # another run recorded it first (writing() has rolled back)
        return 0
    return 1


def deliver_pending(now: datetime, flag_id: int | None = None) -> int:
    """Send every notice not yet sent (and every claim left behind by a run that died); return how many went."""
    query = (select(SafetyNotice.id).join(Clinician, Clinician.id == SafetyNotice.clinician_id)
             .where(SafetyNotice.state != SENT, Clinician.active.is_(True)).order_by(SafetyNotice.id))
    if flag_id is not None:
        query = query.where(SafetyNotice.flag_id == flag_id)
    ids = db.session.scalars(query).all()
    sent = 0
    for notice_id in ids:
        if _claim(notice_id, now):
            sent += _send(notice_id, now)
    return sent


def _claim(notice_id: int, now: datetime) -> bool:
    """Take the notice for this run in its own commit; only one run can win it."""
    table = SafetyNotice.__table__
    with writing():
        result = db.session.execute(
            update(table)
            .where(table.c.id == notice_id, or_(table.c.state == PENDING,
                                                and_(table.c.state == SENDING, table.c.claimed_at < now - CLAIM_LEASE)))
            .values(state=SENDING, claimed_at=now, attempts=table.c.attempts + 1)
        )
    return result.rowcount == 1


def _send(notice_id: int, now: datetime) -> int:
    from practice.platform.mail import send_now

    notice = db.session.scalar(
        select(SafetyNotice).where(SafetyNotice.id == notice_id)
        .options(joinedload(SafetyNotice.clinician),
                 joinedload(SafetyNotice.flag).joinedload(SafetyFlag.couple).joinedload(Couple.clinician)
                 .joinedload(Clinician.practice))
    )
    table = SafetyNotice.__table__
    try:
        text, html = _render(notice)
        address = notice.clinician.email
        end_read()  # the mail server may take seconds: no transaction waits on it
        send_now(address, SUBJECT, text, html)
    except Exception:  # the mail server refused: release the claim, the next run tries again
        log.exception("safety notice %s could not be sent; it stays recorded and will be retried", notice_id)
        db.session.rollback()
        with writing():
            db.session.execute(update(table).where(table.c.id == notice_id, table.c.state == SENDING)
                               .values(state=PENDING))
        return 0
    with writing():
        db.session.execute(update(table).where(table.c.id == notice_id).values(state=SENT, sent_at=utcnow()))
    return 1


def _render(notice: SafetyNotice) -> tuple[str, str]:
    """The email, with its link built from PUBLIC_URL (never from a request's Host)."""
    flag = notice.flag
    if notice.stage == CLINICIAN:
        link = public_url_for("checkins.flag", couple_id=flag.couple_id, flag_id=flag.id)
    else:
        link = public_url_for("practices.team")
    context = dict(stage=notice.stage, link=link, hours=flag.couple.clinician.practice.safety_escalation_hours,
                   clinician_active=flag.couple.clinician.active)
    text = render_template("email/safety_notice.txt", **context)
    html = render_template("email/safety_notice.html", subject=SUBJECT, **context)
    return text, html
