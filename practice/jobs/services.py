"""Starting background jobs and running them on the queue.

A feature registers a kind once, at import (its views module is a good
home, so web processes and workers both load it):

    @job_kind("couple_export")
    def couple_export(job: BackgroundJob) -> JobFile:
        couple = db.session.get(Couple, job.couple_id)
        return JobFile("record.pdf", "application/pdf", render_document(...))

and its view starts it and shows the progress page:

    job = jobs.start("couple_export", current_user, couple=couple)
    return redirect(url_for("jobs.progress", job_id=job.id))

The kind's function runs in a worker with its own database session; raising
a DomainError (a PdfError is one) shows its message to the clinician.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from practice import audit
from practice.database import writing
from practice.domain import JobStatus
from practice.errors_domain import DomainError
from practice.extensions import db, queue
from practice.models import BackgroundJob, Clinician, Couple, utcnow

log = logging.getLogger(__name__)
UNEXPECTED = "Something went wrong while preparing this. It has been logged; please try again in a few minutes."


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
    """Record a job for this clinician and put it on the queue (or run it now, when the queue is immediate)."""
    if kind not in KINDS:
        raise LookupError(f"no job kind {kind!r} is registered")
    job = BackgroundJob(clinician_id=clinician.id, couple_id=couple.id if couple else None, kind=kind,
                        arguments=arguments)
    db.session.add(job)
    db.session.commit()
    queue.enqueue(run, job.id)
    return job


@queue.task()
def run(job_id: int) -> None:
    """Do one queued job and record how it ended; a job is never run twice."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.state is not JobStatus.QUEUED:
        return
    job.status, job.started_at = JobStatus.RUNNING.value, utcnow()
    db.session.commit()
    try:
        made = KINDS[job.kind](job)
    except DomainError as error:
        db.session.rollback()
        _finish(job, JobStatus.FAILED, message=error.message)
    except Exception:  # the clinician must hear that it failed, whatever the cause
        log.exception("background job %s (%s) failed", job.id, job.kind)
        db.session.rollback()
        _finish(job, JobStatus.FAILED, message=UNEXPECTED)
    else:
        job.file_name, job.content_type, job.result = made.file_name, made.content_type, made.content
        _finish(job, JobStatus.DONE)


def record_download(job: BackgroundJob) -> None:
    """The audit trail notes every download of a job's file."""
    with writing():
        audit.record(audit.AuditAction.DOWNLOAD, record=job, detail={"kind": job.kind})


def _finish(job: BackgroundJob, status: JobStatus, message: str = "") -> None:
    job.status, job.message, job.finished_at = status.value, message[:300], utcnow()
    db.session.commit()
