"""The sweep: what makes the queue's promises hold when a queue or a worker fails.

Every worker runs it once a minute (a Huey periodic task) and `flask jobs sweep` runs it by hand. It

- enqueues jobs and email committed while the queue was unreachable (no `enqueued_at`, past a short
  grace) or unclaimed long after queueing (services.REOFFER_AFTER, practice.platform.mail.LEASE),
  only once no message waits, so a backlog never grows by copies of itself (a duplicate does nothing);
- takes back jobs whose lease ran out: they run again, or fail after MAX_ATTEMPTS;
- erases prepared files past their practice's retention, recording each erasure in the audit trail;
- clears email failures from the owner's list after practice.platform.mail.FAILED_KEPT.

Each step is its own short unit of work; enqueueing happens after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, false, or_, select, true, update

from practice import audit
from practice.domain import JobStatus
from practice.extensions import db, queue
from practice.jobs import services
from practice.models import BackgroundJob, Clinician, OutgoingEmail, utcnow
from practice.platform import mail
from practice.platform.database import writing

log = logging.getLogger(__name__)
GRACE = timedelta(seconds=30)  # a request commits, then enqueues: give it this long before doing it for it


@dataclass
class Swept:
    """What one sweep did, for the command's output and the log."""

    enqueued: int = 0
    taken_back: int = 0
    gave_up: int = 0
    emails: int = 0
    erased: int = 0
    failures_cleared: int = 0

    def __str__(self) -> str:
        return (f"{self.enqueued} job(s) and {self.emails} email(s) put on the queue, "
                f"{self.taken_back} job(s) taken back from stopped workers ({self.gave_up} given up), "
                f"{self.erased} expired file(s) erased, {self.failures_cleared} old email failure(s) cleared")


@queue.periodic("practice.jobs.sweep.sweep_periodically", minutes=1)
def sweep_periodically() -> None:
    """The worker's once-a-minute sweep."""
    swept = sweep(utcnow())
    if swept != Swept():
        log.info("sweep: %s", swept)


def sweep(now: datetime) -> Swept:
    """Run every step once."""
    swept = Swept()
    swept.enqueued = enqueue_forgotten_jobs(now)
    swept.taken_back, swept.gave_up = take_back_stopped_jobs(now)
    swept.emails = enqueue_forgotten_email(now)
    swept.erased = erase_expired_files(now)
    swept.failures_cleared = clear_old_email_failures(now)
    return swept


def enqueue_forgotten_jobs(now: datetime) -> int:
    """Queued jobs the queue never received, or never handed to a worker that claimed them."""
    lost = or_(BackgroundJob.enqueued_at.is_(None) & (BackgroundJob.created_at < now - GRACE),
               _drained() & (BackgroundJob.enqueued_at < now - services.REOFFER_AFTER))
    ids = list(db.session.scalars(
        select(BackgroundJob.id).where(BackgroundJob.status == JobStatus.QUEUED.value, lost)
    ))
    db.session.rollback()  # end the read before each enqueue writes its mark
    for job_id in ids:
        services.enqueue(job_id)
    return len(ids)


def _drained():
    """True (as SQL) when no message waits on the queue, so an old unclaimed row's message really was lost."""
    return true() if queue.waiting() == 0 else false()


def take_back_stopped_jobs(now: datetime) -> tuple[int, int]:
    """Running jobs whose lease ran out: queue them again, or fail them once they have had every attempt."""
    again, gave_up = [], 0
    with writing():
        for job in db.session.scalars(select(BackgroundJob).where(
                BackgroundJob.status == JobStatus.RUNNING.value, BackgroundJob.lease_until < now)
                .with_for_update(skip_locked=True)):  # a row being claimed or finished is that worker's
            if job.attempts >= services.MAX_ATTEMPTS:
                services.give_up(job, now)
                gave_up += 1
            else:
                log.warning("background job %s (%s): its worker stopped; running it again", job.id, job.kind)
                job.status, job.lease_until, job.enqueued_at = JobStatus.QUEUED.value, None, None
                again.append(job.id)
    for job_id in again:
        services.enqueue(job_id)
    return len(again), gave_up


def enqueue_forgotten_email(now: datetime) -> int:
    """Outgoing email the queue never received, or still unsent long after (its message or worker was lost)."""
    lost = or_(OutgoingEmail.enqueued_at.is_(None) & (OutgoingEmail.created_at < now - GRACE),
               _drained() & (OutgoingEmail.enqueued_at < now - mail.LEASE))
    ids = list(db.session.scalars(
        select(OutgoingEmail.id).where(OutgoingEmail.sent_at.is_(None), OutgoingEmail.failed_at.is_(None), lost)
    ))
    db.session.rollback()
    for outgoing_id in ids:
        mail.enqueue(outgoing_id)
    return len(ids)


def erase_expired_files(now: datetime) -> int:
    """Erase each file past its expiry, noting it in the audit trail of the couple (or practice) it was about.

    The files are cleared with one UPDATE, never loaded: erasing needs none of them decrypted.
    """
    with writing():
        expired = list(db.session.scalars(
            select(BackgroundJob).where(BackgroundJob.expires_at < now, BackgroundJob.deleted_at.is_(None))
            .with_for_update(skip_locked=True)
        ))
        db.session.execute(update(BackgroundJob).where(BackgroundJob.id.in_([job.id for job in expired]))
                           .values(result=None, deleted_at=now).execution_options(synchronize_session=False))
        for job in expired:
            audit.record(audit.AuditAction.DELETE, record=job, couple_id=job.couple_id,
                         practice_id=db.session.get(Clinician, job.clinician_id).practice_id,
                         detail={"kind": job.kind, "reason": "expired"})
    return len(expired)


def clear_old_email_failures(now: datetime) -> int:
    """Failed email nothing settled within FAILED_KEPT leaves the owner's list (only whom and when was kept)."""
    with writing():
        return db.session.execute(delete(OutgoingEmail).where(OutgoingEmail.failed_at < now - mail.FAILED_KEPT)
                                  .execution_options(synchronize_session=False)).rowcount
