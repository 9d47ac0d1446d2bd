"""Background jobs: start, progress, status, download, failure, and who may see each."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from sqlalchemy import select, text

from practice.domain import DomainError
from practice.extensions import db
from practice.jobs import services
from practice.jobs.services import JobFile
from practice.models import AuditEvent, BackgroundJob
from tests.homework_helpers import clinician_login, partner_login, world  # noqa: F401

NOTE = b"%PDF-1.7 pretend this is a couple's record"


@pytest.fixture()
def kinds(monkeypatch):
    """Two job kinds for the tests: one that makes a file, one that cannot."""

    def record(job):
        return JobFile(f"record-{job.couple_id}.pdf", "application/pdf", NOTE)

    def refuses(job):
        raise DomainError("This record is too long to put in one PDF. Try a shorter date range.")

    def breaks(job):
        raise RuntimeError("a bug")

    monkeypatch.setitem(services.KINDS, "test_record", record)
    monkeypatch.setitem(services.KINDS, "test_refuses", refuses)
    monkeypatch.setitem(services.KINDS, "test_breaks", breaks)


def test_a_finished_job_offers_its_file_once_ready(app, world, kinds):
    job = services.start("test_record", world.clinician, couple=world.couple)
    therapist = clinician_login(app, world.clinician)

    page = therapist.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Ready to download." in page and f'href="/jobs/{job.id}/download"' in page
    assert "<h1 data-job-heading>Your download is ready</h1>" in page  # the heading says so too, not "Preparing"
    assert "js/job-progress.js" in page
    assert therapist.get(f"/jobs/{job.id}/status").json == {
        "status": "done", "label": "Ready to download.", "message": "", "download_url": f"/jobs/{job.id}/download",
    }
    download = therapist.get(f"/jobs/{job.id}/download")
    assert download.data == NOTE
    assert download.headers["Content-Disposition"] == f"attachment; filename=record-{world.couple.id}.pdf"
    assert download.headers["Cache-Control"] == "no-store"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "download")).one()
    assert (event.record_type, event.record_id, event.couple_id) == ("BackgroundJob", job.id, world.couple.id)


def test_the_file_is_stored_encrypted(app, world, kinds):
    job = services.start("test_record", world.clinician, couple=world.couple)
    stored = db.session.scalar(text("SELECT result FROM background_jobs WHERE id = :id"), {"id": job.id})
    assert stored.startswith("gAAAAA") and "pretend" not in stored


@pytest.mark.parametrize("kind, message", [
    ("test_refuses", "This record is too long to put in one PDF. Try a shorter date range."),
    ("test_breaks", services.UNEXPECTED),
])
def test_a_failed_job_says_why_and_offers_nothing(app, world, kinds, kind, message):
    job = services.start(kind, world.clinician, couple=world.couple)
    therapist = clinician_login(app, world.clinician)
    state = therapist.get(f"/jobs/{job.id}/status").json
    assert state == {"status": "failed", "label": "This couldn't be prepared.", "message": message, "download_url": None}
    assert message in therapist.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert therapist.get(f"/jobs/{job.id}/download").status_code == 404


def test_a_waiting_job_shows_progress_and_is_run_once(app, world, kinds):
    job = BackgroundJob(clinician_id=world.clinician.id, kind="test_record")
    db.session.add(job)
    db.session.commit()
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Waiting to start…" in page and "<progress" in page
    assert therapist.get(f"/jobs/{job.id}/download").status_code == 404

    services.run(job.id)
    services.run(job.id)  # a redelivered message finds the job done and leaves it alone
    db.session.refresh(job)
    assert job.status == "done" and job.started_at <= job.finished_at


def test_an_unknown_kind_is_refused_before_anything_is_recorded(app, world):
    with pytest.raises(LookupError):
        services.start("no_such_kind", world.clinician)
    assert db.session.scalar(select(BackgroundJob.id)) is None


@pytest.mark.parametrize("visitor, expected", [
    ("clinician", 200), ("colleague", 404), ("stranger", 404), ("partner", 404), ("anonymous", "login"),
])
def test_only_the_clinician_who_started_a_job_reaches_it(app, world, kinds, visitor, expected):
    job = services.start("test_record", world.clinician, couple=world.couple)
    browsers = {
        "clinician": lambda: clinician_login(app, world.clinician),
        "colleague": lambda: clinician_login(app, world.colleague),
        "stranger": lambda: clinician_login(app, world.stranger),
        "partner": lambda: partner_login(app, world.p1),
        "anonymous": app.test_client,
    }
    browser = browsers[visitor]()
    for path in (f"/jobs/{job.id}", f"/jobs/{job.id}/status", f"/jobs/{job.id}/download"):
        response = browser.get(path)
        if expected == "login":
            assert response.status_code == 302 and "/login" in response.headers["Location"], path
        else:
            assert response.status_code == expected, path


def _niceness_after(steps: int, answer) -> None:
    from practice.cli import run_beneath_requests

    before = os.getpriority(os.PRIO_PROCESS, 0)
    run_beneath_requests(steps)
    child = os.fork()  # a render child, as the render server forks it
    if child == 0:
        answer.send(os.getpriority(os.PRIO_PROCESS, 0) - before)
        os._exit(0)
    os.waitpid(child, 0)


@pytest.mark.parametrize("steps", [10, 0])
def test_the_job_worker_and_the_renders_it_forks_run_beneath_the_web_workers(steps):
    """JOBS_NICENESS steps down, and what the worker forks (the render server, its children) stays down."""
    if os.getpriority(os.PRIO_PROCESS, 0) + steps > 19:
        pytest.skip("this test run is niced already: the kernel caps niceness at 19")
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    worker = context.Process(target=_niceness_after, args=(steps, theirs))
    worker.start()
    worker.join(30)
    assert ours.recv() == steps

