"""Every email about a practice's people that could not be sent reaches its owner's list, and nothing else lingers.

The owner hears of each failure (what kind, for whom, when; never what it
said), names only their own couples' partners, and the list clears itself:
a later message on the same topic settles a failure, the sweep clears one
after FAILED_KEPT, and a failed message about no practice (a sign-up, a
password reset) is kept by nobody.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from practice.extensions import db
from practice.jobs.sweep import sweep
from practice.models import Clinician, OutgoingEmail, Partner, utcnow
from practice.platform.mail import FAILED_KEPT, MAX_ATTEMPTS, deliver, send_composed
from practice.portal.access import issue_invitation
from practice.practices.services import invite_clinician
from tests.factories import make_couple
from tests.homework_helpers import clinician_login, world  # noqa: F401
from tests.test_jobqueue import _close_queued_apps  # noqa: F401
from tests.test_jobs_never_lost import on_a_queue, refuse_every_message

PACKAGE = Path(__file__).resolve().parents[1] / "practice"
SELF_SERVICE = {"email_change_confirm"}  # the person is on the page waiting for it, and asks again


def test_every_templated_email_says_whom_it_concerns_unless_the_person_is_waiting_for_it():
    unsaid = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "send_templated":
                template = node.args[2].value if len(node.args) > 2 and isinstance(node.args[2], ast.Constant) else "?"
                if template not in SELF_SERVICE and not any(k.arg == "regarding" for k in node.keywords):
                    unsaid.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} ({template})")
    assert unsaid == []


def fail_every_attempt(row_id: int) -> None:
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(ConnectionRefusedError):
            deliver(row_id)


def test_failed_invitations_reach_the_owner_and_a_colleagues_couple_is_named_only_by_its_clinician(
        app, world, monkeypatch, tmp_path):
    theirs = make_couple(world.colleague, ("Robin", "Kai"))
    theirs.partner(1).email = "robin.kai@example.com"
    db.session.commit()
    invited = [(world.couple.partner(1).id, world.clinician.id), (theirs.partner(1).id, world.colleague.id)]
    queued = on_a_queue(app, tmp_path, "twofold-mail-owner")
    refuse_every_message(monkeypatch)
    with queued.app_context():  # each service as a request in the queued app would call it
        invite_clinician(db.session.get(Clinician, world.clinician.id), "new.colleague@example.com")
        for partner_id, clinician_id in invited:
            issue_invitation(db.session.get(Partner, partner_id), db.session.get(Clinician, clinician_id))
        rows = list(db.session.scalars(select(OutgoingEmail.id)))
        for row_id in rows:
            fail_every_attempt(row_id)
    assert len(rows) == 3
    page = clinician_login(app, world.clinician).get("/practice/undelivered-email").get_data(as_text=True)
    assert page.count("An invitation to their private space") == 2 and "An invitation to join the practice" in page
    assert "A colleague you invited" in page and "new.colleague@example.com" not in page
    assert "partner 1 of" in page and "A partner in one of" in page and world.colleague.name in page
    assert "Robin" not in page and "Kai" not in page  # the colleague's couple is theirs to know
    assert "/portal/welcome" not in page and "/invitation" not in page  # never what it said


def test_a_failed_message_about_no_practice_is_kept_by_nobody(app, world, monkeypatch, tmp_path):
    queued = on_a_queue(app, tmp_path, "twofold-mail-nobody")
    refuse_every_message(monkeypatch)
    with queued.app_context():
        send_composed("password_reset", world.clinician.email)  # an account, so there is something to send
        (row_id,) = db.session.scalars(select(OutgoingEmail.id))
        fail_every_attempt(row_id)
        assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 0


def test_the_sweep_clears_a_failure_nothing_settled_after_it_has_been_listed_long_enough(app, world):
    for days in (1, FAILED_KEPT.days + 1):
        db.session.add(OutgoingEmail(recipient="x@example.com", practice_id=world.clinician.practice_id,
                                     topic="colleague_invitation:1", attempts=MAX_ATTEMPTS,
                                     failed_at=utcnow() - timedelta(days=days)))
    db.session.commit()
    assert sweep(utcnow()).failures_cleared == 1
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 1


def test_inviting_a_colleague_again_settles_the_invitation_that_failed(app, world, monkeypatch, tmp_path):
    queued = on_a_queue(app, tmp_path, "twofold-mail-reinvite")
    refuse_every_message(monkeypatch)
    with queued.app_context():
        invite_clinician(db.session.get(Clinician, world.clinician.id), "new.colleague@example.com")
        fail_every_attempt(db.session.scalar(select(OutgoingEmail.id)))
        monkeypatch.undo()  # the mail server is back
        invite_clinician(db.session.get(Clinician, world.clinician.id), "New.Colleague@example.com ")
        deliver(db.session.scalar(select(OutgoingEmail.id).where(OutgoingEmail.failed_at.is_(None))))
        assert db.session.scalar(select(func.count()).where(OutgoingEmail.failed_at.is_not(None))) == 0
