"""One run per job and one send per email, however many queue messages name them.

A message can arrive twice: the sweep offers again a job or email whose
message looks lost, Redis redelivers, two workers race. The row's claim
decides, and a worker that lost its claim cannot record over the one that
took it (PostgreSQL in CI runs these on real row locks).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from practice.extensions import db
from practice.jobs import services
from practice.jobs.services import JobFile
from practice.models import BackgroundJob, OutgoingEmail, utcnow
from practice.platform.database import writing
from practice.platform.mail import MAX_ATTEMPTS, deliver, send_templated
from tests.homework_helpers import world  # noqa: F401

NOTE = b"%PDF-1.7 a record"


def queued_job(world) -> int:
    job = BackgroundJob(clinician_id=world.clinician.id, couple_id=world.couple.id, kind="test_once",
                        enqueued_at=utcnow())
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    db.session.commit()  # and no read after it: the test's own snapshot would hide what the workers write
    return job_id


def test_two_workers_given_one_job_at_the_same_moment_run_it_once(app, world, monkeypatch):
    job_id = queued_job(world)
    runs, both_read = [], threading.Barrier(2)
    claimable = services._claimable

    def held_apart(job, now):  # both workers stand between reading the row and claiming it, if they can
        try:
            both_read.wait(timeout=1)
        except threading.BrokenBarrierError:
            pass  # the other worker waits on the row's lock: as it should
        return claimable(job, now)

    monkeypatch.setattr(services, "_claimable", held_apart)
    monkeypatch.setitem(services.KINDS, "test_once",
                        lambda job: runs.append(job.id) or JobFile("r.pdf", "application/pdf", NOTE))

    def worker():
        with app.app_context():
            services.run(job_id)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    job = db.session.get(BackgroundJob, job_id)
    assert runs == [job_id] and (job.status, job.attempts) == ("done", 1)


SHORT_LEASE = services.LEASE / 4
TAKEN_BACK = {  # what happened to the job while its first worker was still at it, and how the row must stay
    "and run again by a second worker": ({"attempts": 2, "lease_until": SHORT_LEASE}, ("running", 2, "", SHORT_LEASE)),
    "and still waiting for its next run": ({"status": "queued", "lease_until": None}, ("queued", 1, "", None)),
}


@pytest.mark.parametrize("meanwhile", TAKEN_BACK.values(), ids=TAKEN_BACK.keys())
def test_a_worker_whose_run_was_taken_back_records_nothing_and_renews_nothing(app, world, monkeypatch, meanwhile):
    job_id = queued_job(world)
    changes, expected = meanwhile

    def taken_back_meanwhile(job):
        with app.app_context(), writing():  # the sweep took it back
            taken = db.session.get(BackgroundJob, job.id)
            for name, value in changes.items():
                setattr(taken, name, utcnow() + value if isinstance(value, timedelta) else value)
        with app.app_context(), writing():
            services.renew(job_id, 1)  # the first worker's heartbeat: not its run any more
        return JobFile("stale.pdf", "application/pdf", NOTE)

    monkeypatch.setitem(services.KINDS, "test_once", taken_back_meanwhile)
    services.run(job_id)
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job_id)
    assert (job.status, job.attempts, job.file_name, job.result) == (*expected[:3], None)
    if expected[3] is None:
        assert job.lease_until is None
    else:  # the stale heartbeat pushed nothing forward
        assert utcnow() < job.lease_until < utcnow() + services.LEASE / 2


def test_a_second_message_while_an_email_is_being_sent_sends_nothing(app, outbox, monkeypatch):
    import flask_mailman

    send = flask_mailman.EmailMultiAlternatives.send
    during = []

    def slow_server(message, *args):
        if not during:
            row_id = db.session.scalar(select(OutgoingEmail.id))
            with app.app_context():  # another worker holds a second message for the same row
                deliver(row_id)
            during.append(len(outbox))  # what the second worker sent while the first was at it
        return send(message, *args)

    monkeypatch.setattr(flask_mailman.EmailMultiAlternatives, "send", slow_server)
    send_templated("casey@example.com", "Reset your Twofold password", "password_reset",
                   name="Casey", reset_url="http://127.0.0.1/reset/abc", hours=1)
    row = db.session.scalars(select(OutgoingEmail)).one()
    assert during == [0] and [m.to for m in outbox] == [["casey@example.com"]]
    assert (row.attempts, row.sending_until) == (1, None) and row.sent_at is not None
    deliver(row.id)  # a redelivery after it went
    assert len(outbox) == 1


def unsent(fields: dict) -> int:
    row = OutgoingEmail(recipient="casey@example.com", subject="Hello", body_text="Hello", body_html="<p>Hello</p>",
                        enqueued_at=utcnow(), **fields)
    db.session.add(row)
    db.session.flush()
    row_id = row.id
    db.session.commit()
    return row_id


@pytest.mark.parametrize(("claimed_for", "sent"), [(timedelta(seconds=-1), True), (timedelta(minutes=1), False)])
def test_an_email_is_sent_by_the_next_message_only_once_its_senders_claim_ran_out(app, outbox, claimed_for, sent):
    row_id = unsent({"attempts": 1, "sending_until": utcnow() + claimed_for})
    deliver(row_id)
    row = db.session.get(OutgoingEmail, row_id)
    assert (len(outbox), row.attempts, row.sent_at is not None) == ((1, 2, True) if sent else (0, 1, False))


def test_a_sender_whose_claim_ran_out_cannot_release_or_fail_the_attempt_that_replaced_it(app, outbox, monkeypatch):
    import flask_mailman

    from practice.platform import mail
    send = flask_mailman.EmailMultiAlternatives.send
    row_id = unsent({"attempts": 1, "sending_until": utcnow() - timedelta(seconds=1)})  # attempt 1 stalled
    seen = {}

    def while_attempt_two_sends(message, *args):
        with app.app_context():  # attempt 1's worker wakes: its server refused, and it was its last chance
            mail._release(row_id, 1)
            mail._give_up(row_id, 1)
            row = db.session.get(OutgoingEmail, row_id)
            seen["during"] = (row.sending_until is not None, row.failed_at)
        return send(message, *args)

    monkeypatch.setattr(flask_mailman.EmailMultiAlternatives, "send", while_attempt_two_sends)
    deliver(row_id)  # attempt 2: the sweep's message, claimed once attempt 1's claim ran out
    row = db.session.get(OutgoingEmail, row_id)  # a row about no practice would have been deleted on failing
    assert seen["during"] == (True, None) and len(outbox) == 1
    assert row is not None and row.sent_at is not None and row.attempts == 2


def test_an_email_whose_every_attempt_died_with_its_worker_fails_instead_of_being_offered_for_ever(app, outbox, world):
    row_id = unsent({"attempts": MAX_ATTEMPTS, "sending_until": utcnow() - timedelta(seconds=1),
                     "practice_id": world.clinician.practice_id})
    deliver(row_id)
    row = db.session.get(OutgoingEmail, row_id)
    assert outbox == [] and row.failed_at is not None and row.attempts == MAX_ATTEMPTS
