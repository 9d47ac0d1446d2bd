"""Starting background jobs and running them on the queue.

A feature registers a kind at import with `@job_kind("name")` (in its views module, so web
processes and workers both load it); its view calls `jobs.start(...)` and redirects to
`jobs.progress`. The kind runs in a worker with its own session and no write transaction open, and
`run` stores the returned `JobFile` in one short unit of work; a DomainError shows its message.

A job is never lost and never stuck: its row is committed before its message is queued (marked
`enqueued_at` once queued; one still queued long after is offered again), and a running job holds a
lease its worker renews, so the sweep (practice.jobs.sweep) reruns a dead worker's job or fails it
after MAX_ATTEMPTS. Claiming locks the row and the claimed attempt number is a fencing token, so a
worker whose job was taken back cannot record an outcome over the run that replaced it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from practice import audit
from practice.domain import DomainError, JobStatus
from practice.extensions import db, queue
from practice.models import BackgroundJob, Clinician, Couple, utcnow
from practice.platform.database import writing

log = logging.getLogger(__name__)
UNEXPECTED = "Something went wrong while preparing this. It has been logged; please try again in a few minutes."
GAVE_UP = ("This stopped part-way more than once, so it was not tried again. It has been logged; "
           "please start it again, perhaps with fewer sessions.")

LEASE = timedelta(minutes=2)  # how long a worker may go without renewing before its job is taken back
REOFFER_AFTER = timedelta(minutes=10)  # a job queued this long ago and not yet claimed has lost its message
MAX_ATTEMPTS = 3  # runs of one job, counting the first


@dataclass(frozen=True)
class JobFile:
    """What a finished job offers for download."""

    file_name: str
    content_type: str
    content: bytes


KINDS: dict[str, Callable[[BackgroundJob], JobFile]] = {}


def job_kind(name: str) -> Callable:
    """Register the function that does one kind of job."""

    def register(function: Callable[[BackgroundJob], JobFile]) -> Callable[[BackgroundJob], JobFile]:
        KINDS[name] = function
        return function

    return register


def start(kind: str, clinician: Clinician, *, couple: Couple | None = None, **arguments) -> BackgroundJob:
    """Record a job for this clinician and offer it to the queue (or run it now, when the queue is immediate).

    The request succeeds even if the queue is down: the row is committed first
    and the sweep enqueues it later.
    """
    if kind not in KINDS:
        raise LookupError(f"no job kind {kind!r} is registered")
    job = BackgroundJob(clinician_id=clinician.id, couple_id=couple.id if couple else None, kind=kind,
                        arguments=arguments)  # ids read first: inside writing() any read takes the write lock
    with writing():
        db.session.add(job)
    enqueue(job.id)
    return job


def enqueue(job_id: int) -> None:
    """Offer the job to the queue and, once it has it, mark the row so the sweep leaves it alone."""
    if queue.offer(run, job_id):
        with writing():
            db.session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(enqueued_at=utcnow()))


@queue.task("practice.jobs.services.run")
def run(job_id: int) -> None:
    """Do one queued job and record how it ended; a job is run by one worker at a time."""
    job = _claim(job_id)
    if job is None:
        return
    attempt = job.attempts
    with Heartbeat(job_id, attempt):
        try:
            made = KINDS[job.kind](job)
        except DomainError as error:
            _finish(job_id, attempt, JobStatus.FAILED, message=error.message)
        except Exception:  # the clinician must hear that it failed, whatever the cause
            log.exception("background job %s (%s) failed", job_id, job.kind)
            _finish(job_id, attempt, JobStatus.FAILED, message=UNEXPECTED)
        else:
            _finish(job_id, attempt, JobStatus.DONE, made)


def _claim(job_id: int) -> BackgroundJob | None:
    """Take a queued job (or one whose worker's lease ran out) for this worker, or None if it is not ours to run."""
    now = utcnow()
    with writing():
        job = db.session.get(BackgroundJob, job_id, populate_existing=True, with_for_update=True)
        if job is None or not _claimable(job, now):
            return None
        if job.attempts >= MAX_ATTEMPTS:
            give_up(job, now)
            return None
        job.status, job.started_at, job.attempts = JobStatus.RUNNING.value, now, job.attempts + 1
        job.lease_until = now + LEASE
    return job


def _claimable(job: BackgroundJob, now: datetime) -> bool:
    if job.state is JobStatus.QUEUED:
        return True
    return job.state is JobStatus.RUNNING and job.lease_until is not None and job.lease_until < now


def give_up(job: BackgroundJob, now: datetime) -> None:
    """A job whose worker stopped under it MAX_ATTEMPTS times: tell the clinician, plainly (inside writing())."""
    log.error("background job %s (%s) stopped part-way %s times; marked failed", job.id, job.kind, job.attempts)
    job.status, job.message, job.finished_at, job.lease_until = JobStatus.FAILED.value, GAVE_UP, now, None


class Heartbeat:
    """Renews a running job's lease from a thread of its own, until the job ends (a `with` block).

    Each renewal is a short unit of work in its own application context, a third of the lease apart: a
    live worker never loses its job, and a dead one stops renewing so the sweep takes the job back.
    """

    def __init__(self, job_id: int, attempt: int) -> None:
        self.job_id, self.attempt = job_id, attempt
        self.app = current_app._get_current_object()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stopped.wait(LEASE.total_seconds() / 3):
            try:
                with self.app.app_context(), writing():
                    renew(self.job_id, self.attempt)
            except Exception:  # a missed beat is retried at the next one; the lease has room for two
                log.exception("could not renew the lease of background job %s", self.job_id)


def renew(job_id: int, attempt: int) -> None:
    """Push the lease of this worker's run of a job forward (inside writing()); a run taken back is not renewed."""
    db.session.execute(update(BackgroundJob).where(*_ours(job_id, attempt)).values(lease_until=utcnow() + LEASE))


def _ours(job_id: int, attempt: int) -> tuple:
    """The conditions under which a worker's claimed run is still the job's current run."""
    return (BackgroundJob.id == job_id, BackgroundJob.status == JobStatus.RUNNING.value,
            BackgroundJob.attempts == attempt)


def record_download(job: BackgroundJob) -> None:
    """The audit trail notes every download of a job's file."""
    with writing():
        audit.record(audit.AuditAction.DOWNLOAD, record=job, detail={"kind": job.kind})


def retention(job: BackgroundJob) -> timedelta:
    """How long the job's file is kept: its practice's setting."""
    return timedelta(days=db.session.get(Clinician, job.clinician_id).practice.export_retention_days)


def _finish(job_id: int, attempt: int, status: JobStatus, made: JobFile | None = None, message: str = "") -> None:
    """Record the outcome in one short unit of work (the file's building is already done).

    Only if this worker's run is still the job's current one: a run whose lease
    ran out was taken back, and the run that replaced it records its own outcome.
    """
    db.session.rollback()  # whatever the kind left loaded or half-changed is not ours to write
    now = utcnow()
    with writing():
        job = db.session.scalars(select(BackgroundJob).where(*_ours(job_id, attempt))
                                 .with_for_update().execution_options(populate_existing=True)).one_or_none()
        if job is None:
            log.warning("background job %s: run %s was taken back from this worker; its outcome is dropped",
                        job_id, attempt)
            return
        job.status, job.message, job.finished_at, job.lease_until = status.value, message[:300], now, None
        if made is not None:
            job.file_name, job.content_type, job.result = made.file_name, made.content_type, made.content
            job.expires_at = now + retention(job)
