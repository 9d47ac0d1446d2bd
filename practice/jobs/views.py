"""A job's progress page, the status it polls, and the finished file (until it is erased)."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, render_template, send_file, url_for

from practice.auth.guards import require_clinician
from practice.authz import job_for_clinician_or_404
from practice.domain import JobStatus
from practice.homework import reminders  # noqa: F401  (registers its mail failure handler in every process)
from practice.jobs import services, sweep  # noqa: F401  (sweep: the periodic task every worker runs)
from practice.models import BackgroundJob
from practice.web.templating import local_datetime

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
bp.before_request(require_clinician)


@bp.get("/<int:job_id>")
def progress(job_id: int):
    return render_template("jobs/progress.html", job=job_for_clinician_or_404(job_id), downloadable=downloadable,
                           erased_message=erased_message)


@bp.get("/<int:job_id>/status")
def status(job_id: int):
    """What the progress page's script polls."""
    job = job_for_clinician_or_404(job_id)
    return {
        "status": job.status,
        "label": job.state.label,
        "message": job.message or erased_message(job),
        "download_url": download_url(job),
    }


@bp.get("/<int:job_id>/download")
def download(job_id: int):
    job = job_for_clinician_or_404(job_id)
    if not downloadable(job):
        abort(404)
    content = job.result  # loaded only now (deferred): a sweep may have erased it since the row was read
    if content is None:
        abort(404)
    response = send_file(BytesIO(content), mimetype=job.content_type, as_attachment=True,
                         download_name=job.file_name, max_age=0)
    response.headers["Cache-Control"] = "no-store"  # clinical content: never kept by a browser or proxy
    services.record_download(job)
    return response


def downloadable(job: BackgroundJob) -> bool:
    return job.state is JobStatus.DONE and job.deleted_at is None


def erased_message(job: BackgroundJob) -> str:
    """What the progress page says of a file erased at the end of its retention."""
    if job.deleted_at is None:
        return ""
    return f"This file was erased on {local_datetime(job.deleted_at, '%-d %b %Y')}, as the practice keeps exports only for a while. You can make a new one."


def download_url(job: BackgroundJob) -> str | None:
    return url_for("jobs.download", job_id=job.id) if downloadable(job) else None
