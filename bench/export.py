"""A couple's full-record export: its PDFs on every core against the same PDFs made one by one.

Run it in a freshly started interpreter (bench.run does), so the memory it
reports is the export's own (a worker process and its render children), not
what building the synthetic practices cost the benchmark's process.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from time import perf_counter

from flask import Flask
from sqlalchemy import select

from practice.documents.session_pdfs import COPIES, render_copy
from practice.extensions import db
from practice.models import Couple, TherapySession
from practice.pdf.drawing import usable_cores
from practice.records.export import export_couple
from practice.sessions.frozen import signed_session_pdfs


@dataclass(frozen=True)
class ExportResult:
    sessions: int
    documents: int
    parallel: int
    one_by_one_s: float  # each PDF made alone (template + bounded render), summed
    parallel_s: float  # the export's PDFs, as the job makes them
    cores_busy: float  # CPU seconds of the process and its children per second of wall time
    whole_export_s: float  # the whole job: record.json, PDFs, ZIP, audit entry
    zip_mb: float
    process_max_rss_mb: float
    child_max_rss_mb: float

    @property
    def ratio(self) -> float:
        return self.parallel_s / self.one_by_one_s


def measure(app: Flask, couple_id: int) -> ExportResult:
    """The couple's signed sessions' PDFs as the export job makes them, then one by one, then the whole job."""
    with app.test_request_context():
        couple = db.session.get(Couple, couple_id)
        sessions = list(db.session.scalars(select(TherapySession).where(
            TherapySession.couple_id == couple_id, TherapySession.signed_at.is_not(None))))
        render_copy(sessions[0], "couple")  # warm: fonts, print.css, templates
        cpu, started = _cpu_seconds(), perf_counter()
        pdfs = list(signed_session_pdfs(couple))
        parallel_s = perf_counter() - started
        cores_busy = (_cpu_seconds() - cpu) / parallel_s
        started = perf_counter()
        for session in sessions:
            for copy in COPIES:
                render_copy(session, copy)
        one_by_one_s = perf_counter() - started
        started = perf_counter()
        export = export_couple(couple, couple.clinician)
        whole_export_s = perf_counter() - started
        return ExportResult(
            sessions=len(sessions), documents=len(pdfs), parallel=app.config["PDF_RENDER_PARALLEL"] or usable_cores(),
            one_by_one_s=one_by_one_s, parallel_s=parallel_s, cores_busy=cores_busy, whole_export_s=whole_export_s,
            zip_mb=len(export.data) / 1024 / 1024,
            process_max_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            child_max_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        )


def _cpu_seconds() -> float:
    """User and system time of this process and of its children reaped so far."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
