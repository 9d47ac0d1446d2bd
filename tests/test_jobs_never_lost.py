"""Jobs and email are never lost or stuck: the queue down at enqueue, a worker that died, mail that never goes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from practice.extensions import db, queue
from practice.homework.reminders import send_reminders
from practice.jobs import services
from practice.jobs.services import JobFile
from practice.jobs.sweep import GRACE, sweep
from practice.models import BackgroundJob, OutgoingEmail, ReminderSent, utcnow
from practice.platform.mail import MAX_ATTEMPTS, deliver, send_templated
from tests.homework_helpers import clinician_login, give_homework, world  # noqa: F401
from tests.test_jobqueue import _close_queued_apps, queued_app  # noqa: F401

NOTE = b"%PDF-1.7 a record"


@pytest.fixture()
def kinds(monkeypatch):
    monkeypatch.setitem(services.KINDS, "test_record", lambda job: JobFile("record.pdf", "application/pdf", NOTE))


def on_a_queue(app, tmp_path, name: str):
    """An app whose jobs wait in a SQLite jobs file, on this test's database (set-up committed first).

    The test's objects (`world`) are loaded here, in the test's own context,
    and the transaction ends without expiring them: they are read later
    inside the queued app's context, where reloading an expired one would
    open a connection of the *queued* app's engine in the test's own session,
    left behind when that engine is disposed.
    """
    session = db.session()
    session.commit()
    for loaded in list(session.identity_map.values()):
        session.refresh(loaded)
    session.expire_on_commit = False
    try:
        session.commit()  # the test's own session lets go, so the queued app's units of work take the lock
    finally:
        session.expire_on_commit = True
    queued = queued_app(f"sqlite:///{tmp_path / 'jobs.db'}", name, database=app)
    queued.test_client_class = app.test_client_class
    return queued


def queue_down(monkeypatch, huey):
    """Every enqueue fails, as when Redis or the jobs file cannot be reached; returns what brings it back."""
    working = huey.enqueue

    def unreachable(*_args, **_kwargs):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(huey, "enqueue", unreachable)
    return lambda: monkeypatch.setattr(huey, "enqueue", working)


def test_a_job_committed_while_the_queue_is_down_is_swept_onto_it_and_run(app, world, kinds, monkeypatch, tmp_path):
    queued = on_a_queue(app, tmp_path, "twofold-down")
    huey = queue.huey(queued)
    queue_back = queue_down(monkeypatch, huey)
    with queued.app_context():
        job_id = services.start("test_record", world.clinician, couple=world.couple).id
        job = db.session.get(BackgroundJob, job_id)
        assert (job.status, job.enqueued_at) == ("queued", None) and huey.pending_count() == 0

        queue_back()
        assert sweep(utcnow()).enqueued == 0  # within the grace: the request may still be enqueueing it
        assert sweep(utcnow() + GRACE * 2).enqueued == 1
        assert huey.pending_count() == 1 and db.session.get(BackgroundJob, job_id).enqueued_at is not None
        assert sweep(utcnow() + GRACE * 2).enqueued == 0  # marked: never queued twice

        huey.execute(huey.dequeue())  # the worker
        db.session.expire_all()
        assert db.session.get(BackgroundJob, job_id).status == "done"


def test_the_request_that_starts_a_job_succeeds_while_the_queue_is_down(app, world, monkeypatch, tmp_path):
    queued = on_a_queue(app, tmp_path, "twofold-down-request")
    queue_down(monkeypatch, queue.huey(queued))
    started = clinician_login(queued, world.clinician).post_form(f"/couples/{world.couple.id}/export")
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job = db.session.scalars(select(BackgroundJob)).one()
    assert (job.status, job.enqueued_at) == ("queued", None)


def test_email_committed_while_the_queue_is_down_is_swept_onto_it(app, monkeypatch, tmp_path):
    queued = on_a_queue(app, tmp_path, "twofold-mail-down")
    outbox = queued.extensions["mailman"].outbox = []
    huey = queue.huey(queued)
    queue_back = queue_down(monkeypatch, huey)
    with queued.app_context():
        send_templated("casey@example.com", "Reset your Twofold password", "password_reset",
                       name="Casey", reset_url="http://127.0.0.1/reset/abc", hours=1)
        queue_back()
        assert sweep(utcnow() + GRACE * 2).emails == 1 and huey.pending_count() == 1
        huey.execute(huey.dequeue())
    assert [m.to for m in outbox] == [["casey@example.com"]]


def running_job(world, *, attempts: int, lease_ago: timedelta) -> BackgroundJob:
    """A job a worker claimed and then stopped renewing (it died)."""
    job = BackgroundJob(clinician_id=world.clinician.id, couple_id=world.couple.id, kind="test_record",
                        status="running", attempts=attempts, started_at=utcnow() - lease_ago - services.LEASE,
                        lease_until=utcnow() - lease_ago, enqueued_at=utcnow())
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_whose_lease_ran_out_is_taken_back_and_run_again(app, world, kinds):
    job = running_job(world, attempts=1, lease_ago=timedelta(seconds=5))
    alive = running_job(world, attempts=1, lease_ago=-services.LEASE)  # renewed a moment ago: its worker lives
    swept = sweep(utcnow())
    assert (swept.taken_back, swept.gave_up) == (1, 0)
    db.session.expire_all()
    assert (job.status, job.attempts) == ("done", 2)  # immediate queue: run again at once
    assert alive.status == "running"


def test_a_job_that_stopped_part_way_every_time_fails_with_a_plain_message(app, world, kinds):
    job = running_job(world, attempts=services.MAX_ATTEMPTS, lease_ago=timedelta(seconds=5))
    assert sweep(utcnow()).gave_up == 1
    db.session.expire_all()
    assert (job.status, job.message) == ("failed", services.GAVE_UP)
    status = clinician_login(app, world.clinician).get(f"/jobs/{job.id}/status").json
    assert status["status"] == "failed" and "stopped part-way more than once" in status["message"]


def test_a_redelivered_message_for_a_taken_job_is_left_alone(app, world, kinds):
    job = running_job(world, attempts=1, lease_ago=-services.LEASE)
    services.run(job.id)  # a second worker got the same message while the first still holds the lease
    db.session.expire_all()
    assert (job.status, job.attempts) == ("running", 1)


def test_a_live_worker_renews_its_lease_while_it_works(app, world, monkeypatch):
    monkeypatch.setattr(services, "LEASE", timedelta(seconds=0.3))
    seen = {}

    def slow(job):
        claimed = db.session.get(BackgroundJob, job.id).lease_until
        time.sleep(0.5)  # past the first lease: the heartbeat must have renewed it
        db.session.rollback()
        seen["claimed"], seen["now"] = claimed, db.session.get(BackgroundJob, job.id).lease_until
        return JobFile("f.pdf", "application/pdf", NOTE)

    monkeypatch.setitem(services.KINDS, "test_slow", slow)
    job = services.start("test_slow", world.clinician, couple=world.couple)
    assert seen["now"] > seen["claimed"] and db.session.get(BackgroundJob, job.id).status == "done"


def refuse_every_message(monkeypatch) -> None:
    def refuse(*_args):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("flask_mailman.EmailMultiAlternatives.send", refuse)


def test_a_reminder_refused_on_every_retry_releases_its_claim_and_is_listed_for_the_owner(
        app, world, monkeypatch, tmp_path):
    give_homework(world, due_in=1, positions=(1,))
    queued = on_a_queue(app, tmp_path, "twofold-mail-fails")
    huey = queue.huey(queued)
    refuse_every_message(monkeypatch)
    with queued.app_context():
        assert send_reminders(utcnow()) == 1
        row = db.session.scalars(select(OutgoingEmail)).one()
        assert row.enqueued_at is not None and huey.pending_count() == 1
        message = huey.dequeue()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            with pytest.raises(ConnectionRefusedError):
                deliver(row.id)  # one attempt, as the worker (and each Huey retry) runs it
            db.session.expire_all()
            if attempt < MAX_ATTEMPTS:  # Huey retries it; the claim still holds
                assert row.failed_at is None and db.session.scalar(select(ReminderSent.id)) is not None
        assert row.failed_at is not None and row.attempts == MAX_ATTEMPTS and row.body_text is None
        assert db.session.scalar(select(ReminderSent.id)) is None  # released: the next run tries again
        assert message is not None


def test_an_owner_sees_mail_that_could_not_be_sent_until_it_goes(app, runner, world, outbox, monkeypatch):
    give_homework(world, due_in=1, positions=(1,))
    refuse_every_message(monkeypatch)
    assert "Sent 0 reminder(s)." in runner.invoke(args=["send-reminders"]).output
    assert db.session.scalar(select(ReminderSent.id)) is None

    owner = clinician_login(app, world.clinician)
    settings = owner.get("/practice/").get_data(as_text=True)
    assert 'href="/practice/undelivered-email"' in settings
    page = owner.get("/practice/undelivered-email").get_data(as_text=True)
    assert "A homework reminder" in page and "Alex" in page and "partner 1 of" in page
    assert "Every kind of question" not in page and "/portal/" not in page  # never what it said
    assert clinician_login(app, world.colleague).get("/practice/undelivered-email").status_code == 403
    elsewhere = clinician_login(app, world.stranger)  # an owner of another practice
    world.stranger.is_owner = True
    db.session.commit()
    assert "A homework reminder" not in elsewhere.get("/practice/undelivered-email").get_data(as_text=True)

    monkeypatch.undo()  # the mail server is back
    assert "Sent 1 reminder(s)." in runner.invoke(args=["send-reminders"]).output
    assert [m.to for m in outbox] == [["alex@example.com"]]
    assert "Nothing is waiting here" in owner.get("/practice/undelivered-email").get_data(as_text=True)
    assert "Sent 0 reminder(s)." in runner.invoke(args=["send-reminders"]).output and len(outbox) == 1


def test_every_worker_runs_the_sweep_each_minute(app, world, kinds, tmp_path):
    forgotten = BackgroundJob(clinician_id=world.clinician.id, kind="test_record", created_at=utcnow() - GRACE * 2)
    db.session.add(forgotten)
    queued = on_a_queue(app, tmp_path, "twofold-periodic")
    huey = queue.huey(queued)
    (task,) = huey.read_periodic(datetime(2026, 12, 2, 9, 41))  # any minute
    assert task.name == "sweep_periodically"
    huey.execute(task)  # what the consumer's scheduler does once a minute
    assert huey.pending_count() == 1  # the forgotten job is on the queue now


def test_the_sweep_command_reports_what_it_did(app, runner, world, kinds):
    running_job(world, attempts=1, lease_ago=timedelta(seconds=5))
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0 and "1 job(s) taken back from stopped workers" in result.output


def test_a_queued_job_whose_message_was_lost_is_offered_again_and_runs_once(app, world, kinds, tmp_path):
    queued = on_a_queue(app, tmp_path, "twofold-lost-message")
    huey = queue.huey(queued)
    with queued.app_context():
        job_id = services.start("test_record", world.clinician, couple=world.couple).id
        assert huey.dequeue() is not None  # a worker took the message and was killed before claiming the job
        assert huey.pending_count() == 0 and sweep(utcnow()).enqueued == 0  # it may just be a long queue
        assert sweep(utcnow() + services.REOFFER_AFTER * 2).enqueued == 1
        assert sweep(utcnow()).enqueued == 0  # offered again just now
        assert sweep(utcnow() + services.REOFFER_AFTER * 2).enqueued == 0  # not while that message waits
        huey.execute(huey.dequeue())
        services.run(job_id)  # a duplicate message after all (a redelivery) finds the job done
        job = db.session.get(BackgroundJob, job_id, populate_existing=True)
        assert (job.status, job.attempts) == ("done", 1)
        assert sweep(utcnow() + services.REOFFER_AFTER * 2).enqueued == 0


def test_an_old_unclaimed_job_is_not_offered_again_while_messages_still_wait_on_the_queue(app, world, kinds,
                                                                                           tmp_path):
    queued = on_a_queue(app, tmp_path, "twofold-backlog")
    huey = queue.huey(queued)
    with queued.app_context():
        first, second = (services.start("test_record", world.clinician, couple=world.couple).id for _ in range(2))
        huey.dequeue()  # the first's message was lost; the second's still waits behind a busy worker
        later = utcnow() + services.REOFFER_AFTER * 2
        assert sweep(later).enqueued == 0 and huey.pending_count() == 1  # its message may be the one waiting
        huey.execute(huey.dequeue())
        assert sweep(later).enqueued == 1  # drained: the first's message was lost after all
        huey.execute(huey.dequeue())
        assert {db.session.get(BackgroundJob, job_id, populate_existing=True).status
                for job_id in (first, second)} == {"done"}
