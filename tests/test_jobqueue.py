"""The job queue: immediate in tests, queued on SQLite or Redis, run by a separate worker process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from config import TestConfig
from practice import create_app
from practice.extensions import db, queue
from practice.platform.mail import send_templated
from tests.processes import stop

ROOT = Path(__file__).resolve().parent.parent
REDIS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/9"


_built: list = []


def queued_app(url: str, name: str, database=None):
    """An app whose jobs wait on `url` instead of running in the request (on the test run's database)."""
    settings = {"JOBS_QUEUE": url, "JOBS_QUEUE_NAME": name}
    if database is not None:  # the outbox row the job names lives there
        settings |= {key: database.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS")}
    _built.append(create_app(type("Queued", (TestConfig,), settings)))
    return _built[-1]


@pytest.fixture(autouse=True)
def _close_queued_apps():
    """Close the extra apps' database connections, so none is left for the garbage collector to find.

    A connection still checked out here is held by a session other than the
    queued app's own (the test's, reloading an object inside the queued app's
    context): disposing cannot close it, and the garbage collector would later
    fail some unrelated test with an unclosed-connection warning, so the test
    that took it fails instead.
    """
    yield
    held = 0
    while _built:
        with _built.pop().app_context():
            db.session.remove()
            held += getattr(db.engine.pool, "checkedout", int)()  # StaticPool (in-memory) keeps one, never lent
            db.engine.dispose()
    assert held == 0, "a queued app's connection is still checked out by another session"


def send_reset_email(app) -> None:
    with app.app_context():
        send_templated("casey@example.com", "Reset your Twofold password", "password_reset",
                       name="Casey", reset_url="http://127.0.0.1/reset/abc", hours=1)


def test_immediate_mode_sends_in_the_request_and_errors_reach_the_caller(app, outbox, monkeypatch):
    send_reset_email(app)
    assert [m.subject for m in outbox] == ["Reset your Twofold password"]

    def refuse(*_args):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("flask_mailman.EmailMultiAlternatives.send", refuse)
    with pytest.raises(ConnectionRefusedError):
        send_reset_email(app)


def test_a_queued_email_waits_for_a_worker_then_is_sent_in_its_own_app_context(app, tmp_path):
    app = queued_app(f"sqlite:///{tmp_path / 'jobs.db'}", "twofold-test", database=app)
    outbox = app.extensions["mailman"].outbox = []
    send_reset_email(app)
    huey = queue.huey(app)
    assert outbox == [] and huey.pending_count() == 1

    huey.execute(huey.dequeue())  # what the worker does with the next message
    assert [m.to for m in outbox] == [["casey@example.com"]]
    assert "http://127.0.0.1/reset/abc" in outbox[0].body


# What messages waiting in a queue call each task. A message is named when it is queued and read
# by whichever worker takes it, perhaps one deployed later: a renamed task is a dropped message.
QUEUE_NAMES = [
    "practice.checkins.notices.deliver_queued",
    "practice.jobs.services.run",
    "practice.jobs.sweep.sweep_periodically",
    "practice.mail.deliver",  # where deliver lived when it was first declared; the name stays
]


def test_waiting_messages_name_tasks_by_their_declared_names_which_moving_code_does_not_change(app, tmp_path):
    app = queued_app(f"sqlite:///{tmp_path / 'jobs.db'}", "twofold-test", database=app)
    assert queue.queue_names() == QUEUE_NAMES
    huey = queue.huey(app)
    send_reset_email(app)
    message = huey.dequeue()
    assert f"{type(message).__module__}.{type(message).__name__}" == "practice.mail.deliver"
    for name in QUEUE_NAMES:
        huey._registry.string_to_task(name)  # a message under each name is understood (raises if not)


def test_a_task_name_is_dotted_and_unique():
    with pytest.raises(ValueError, match="dotted and unique"):
        queue.task("practice.mail.deliver")(lambda outgoing_id: None)
    with pytest.raises(ValueError, match="dotted and unique"):
        queue.task("undotted")(lambda: None)


def test_only_registered_tasks_can_be_queued(app):
    def stray():
        return None

    with app.app_context(), pytest.raises(LookupError):
        queue.enqueue(stray)


def test_an_unknown_queue_address_is_refused_with_the_forms_that_work(tmp_path):
    with pytest.raises(RuntimeError, match="sqlite:///"):
        queue.huey(queued_app("amqp://127.0.0.1", "x"))


def worker_database_url(app) -> str:
    """The test run's database as a DATABASE_URL, private PostgreSQL schema included."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    schema = app.config.get("TEST_SCHEMA")
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}" if schema else url


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not redis_reachable(), reason="Redis is not answering on 127.0.0.1:6379")
def test_an_email_goes_through_redis_and_a_separate_worker_process(app, tmp_path):
    name = f"twofold-test-{uuid.uuid4().hex[:8]}"  # its own queue, so parallel runs never share messages
    database = app
    app = queued_app(REDIS_URL, name, database=database)
    huey = queue.huey(app)
    mail_folder = tmp_path / "mail"
    environment = os.environ | {
        "TWOFOLD_ENV": "development", "TWOFOLD_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "worker-test",
        "DATABASE_URL": worker_database_url(database), "TWOFOLD_DATA_KEYS": TestConfig.DATA_KEYS[0],
        "JOBS_QUEUE": REDIS_URL, "JOBS_QUEUE_NAME": name,
        "MAIL_BACKEND": "file", "MAIL_FILE_PATH": str(mail_folder),
    }
    outbox = app.extensions["mailman"].outbox = []
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "practice", "jobs", "worker", "--workers", "1"],
                              cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        send_reset_email(app)
        assert outbox == []  # nothing was sent by this process
        deadline = time.monotonic() + 30
        # The file backend opens its file before it writes: wait for a whole message (it ends with a rule of dashes).
        while not any("-" * 79 in path.read_text() for path in mail_folder.glob("*.log")) and time.monotonic() < deadline:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.1)
        written = [path.read_text() for path in mail_folder.glob("*.log")]
        assert len(written) == 1 and "To: casey@example.com" in written[0]
        assert "http://127.0.0.1/reset/abc" in written[0]
        # Sent once and not queued again; the worker's own once-a-minute sweep may be waiting there
        # when the test crosses a minute, which is the scheduler's, not a second email.
        assert [task.name for task in huey.pending() if task.name != "sweep_periodically"] == []
    finally:
        stop(worker, signal.SIGINT, 15)
        log.close()
        huey.storage.flush_all()
