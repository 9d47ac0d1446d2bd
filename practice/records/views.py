"""Exporting a couple's record: clinician only, for their own couples, as a background job.

A long record renders a PDF per signed session, so the export runs on the
job queue and the clinician watches a progress page that offers the ZIP.
The couple's exports page lists the ones made before, each with the day its
file is erased (the practice's retention setting, practice.jobs.sweep).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from practice.auth.guards import require_clinician
from practice.authz import couple_for_clinician_or_404
from practice.extensions import db
from practice.jobs import services as jobs
from practice.models import BackgroundJob, Clinician, Couple
from practice.records.export import export_couple

bp = Blueprint("records", __name__, url_prefix="/couples")
bp.before_request(require_clinician)
KIND = "couple_export"


@jobs.job_kind(KIND)
def couple_export(job: BackgroundJob) -> jobs.JobFile:
    """Build the ZIP in a worker, as the clinician who asked for it."""
    result = export_couple(db.session.get(Couple, job.couple_id), db.session.get(Clinician, job.clinician_id))
    return jobs.JobFile(result.filename, "application/zip", result.data)


@bp.post("/<int:couple_id>/export")
def export(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    job = jobs.start(KIND, current_user._get_current_object(), couple=couple)
    return redirect(url_for("jobs.progress", job_id=job.id))


@bp.get("/<int:couple_id>/exports")
def exports(couple_id: int):
    """The exports this clinician made of this couple's record, newest first, with when each expires."""
    couple = couple_for_clinician_or_404(couple_id)
    made = db.session.scalars(
        select(BackgroundJob).where(BackgroundJob.couple_id == couple.id, BackgroundJob.kind == KIND,
                                    BackgroundJob.clinician_id == current_user.id)
        .order_by(BackgroundJob.id.desc())
    )
    return render_template("records/exports.html", couple=couple, exports=list(made),
                           retention_days=current_user.practice.export_retention_days)
