"""A worker process killed with SIGKILL mid-job: its job is taken back by the sweep and run by another worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from config import TestConfig
from practice.extensions import db, queue
from practice.jobs import services
from practice.jobs.sweep import sweep
from practice.models import BackgroundJob, utcnow
from tests import waiting_job_app  # noqa: F401  (registers the "test_waits" kind here too)
from tests.homework_helpers import world  # noqa: F401
from tests.test_jobqueue import ROOT, _close_queued_apps, worker_database_url  # noqa: F401
from tests.test_jobs_never_lost import on_a_queue
from tests.processes import stop


def start_worker(app, tmp_path, jobs_url: str, name: str, flag) -> subprocess.Popen:
    environment = os.environ | {
        "TWOFOLD_ENV": "development", "TWOFOLD_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "worker-test",
        "DATABASE_URL": worker_database_url(app), "TWOFOLD_DATA_KEYS": TestConfig.DATA_KEYS[0],
        "JOBS_QUEUE": jobs_url, "JOBS_QUEUE_NAME": name, "TWOFOLD_TEST_FLAG": str(flag),
    }
    log = (tmp_path / f"worker-{time.monotonic_ns()}.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "tests.waiting_job_app", "jobs", "worker",
                               "--workers", "1"], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    worker.log_file = log
    return worker


def wait_for(job_id: int, status: str, worker: subprocess.Popen, seconds: float = 30) -> BackgroundJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh read each time
        job = db.session.get(BackgroundJob, job_id, populate_existing=True)
        if job.status == status:
            return job
        assert worker.poll() is None, "the worker exited"
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached {status!r} (it is {job.status!r})")


def stop_worker(worker: subprocess.Popen) -> None:
    stop(worker, signal.SIGINT, 15)
    worker.log_file.close()


@pytest.mark.slow
def test_a_job_whose_worker_was_killed_is_taken_back_and_finished_by_another(app, world, tmp_path):
    flag = tmp_path / "hold"
    flag.touch()
    name = f"twofold-killed-{os.getpid()}"
    jobs_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    queued = on_a_queue(app, tmp_path, name)
    first = start_worker(app, tmp_path, jobs_url, name, flag)
    second = None
    try:
        with queued.app_context():
            job_id = services.start("test_waits", world.clinician, couple=world.couple).id
            claimed = wait_for(job_id, "running", first)
            assert claimed.attempts == 1 and claimed.lease_until > utcnow()

            first.send_signal(signal.SIGKILL)  # mid-job: no chance to record anything
            first.wait()
            assert sweep(utcnow()).taken_back == 0  # its lease still runs: it might only be slow
            swept = sweep(utcnow() + services.LEASE + timedelta(seconds=1))
            assert swept.taken_back == 1 and queue.huey(queued).pending_count() >= 1  # (and perhaps a periodic sweep)

            flag.unlink()
            second = start_worker(app, tmp_path, jobs_url, name, flag)
            finished = wait_for(job_id, "done", second)
            assert finished.attempts == 2 and finished.result == b"waited" and finished.lease_until is None
    finally:
        stop_worker(first)
        if second is not None:
            stop_worker(second)
