"""Deactivating a clinician first passes each of their couples to an active colleague; no couple is left alone."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from practice.domain import DomainError, SafetyChoice
from practice.extensions import db
from practice.models import CheckIn, Clinician, Couple
from practice.practices import services
from tests.audit_helpers import audit_events
from tests.checkin_helpers import URL, raise_flag
from tests.factories import make_clinician, make_couple
from tests.homework_helpers import clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.html_forms import form_fields
from tests.reading import visible
from tests.session_helpers import record_session


@pytest.fixture()
def leaving(world):
    """Jamie (the colleague) sees Alex & Sam (with a flag, homework, a session) and a closed couple; Morgan stays."""
    world.morgan = make_clinician(world.clinician.practice, name="Morgan", email="morgan@example.com")
    world.session = record_session(world, focus="Repair after the argument")
    world.assignment = give_homework(world)
    world.couple.clinician = world.colleague
    world.closed = make_couple(world.colleague, ("Kim", "Lou"), status="closed")
    db.session.commit()
    world.flag = raise_flag(world.p1, SafetyChoice.YES)
    return world


def _owner(app, world):
    return clinician_login(app, world.clinician)


def test_turning_off_a_clinician_with_couples_asks_for_a_colleague_for_each_couple(app, leaving):
    owner = _owner(app, leaving)
    response = owner.post_form(f"/practice/team/{leaving.colleague.id}/deactivate")
    assert response.status_code == 302 and response.location.endswith(f"/team/{leaving.colleague.id}/reassign")
    db.session.expire_all()
    assert db.session.get(Clinician, leaving.colleague.id).active  # nothing happened yet
    page = visible(owner.get(response.location).data.decode())
    assert "Alex &amp; Sam" in page and "Kim &amp; Lou (closed, records only)" in page
    assert f'name="couple_{leaving.couple.id}"' in page and f'name="couple_{leaving.closed.id}"' in page
    assert "Morgan" in page and "Dr. Reyes" in page
    options = page.split(f'name="couple_{leaving.couple.id}"')[1].split("</select>")[0]
    assert "Jamie" not in options  # never back to the clinician who is leaving


def test_a_form_missing_a_couple_is_refused_and_nothing_moves(app, leaving):
    owner = _owner(app, leaving)
    url = f"/practice/team/{leaving.colleague.id}/reassign"
    response = owner.post_form(url, {f"couple_{leaving.couple.id}": str(leaving.morgan.id)})
    assert response.status_code == 200 and b"Please choose who takes this couple." in response.data
    db.session.expire_all()
    assert db.session.get(Clinician, leaving.colleague.id).active
    assert db.session.get(Couple, leaving.couple.id).clinician_id == leaving.colleague.id


def test_reassigning_moves_the_couples_with_flags_homework_and_sessions_and_is_audited(app, leaving):
    owner = _owner(app, leaving)
    url = f"/practice/team/{leaving.colleague.id}/reassign"
    fields = {k: v[0] for k, v in form_fields(owner.get(url).data, None).items()}
    fields |= {f"couple_{leaving.couple.id}": str(leaving.morgan.id),
               f"couple_{leaving.closed.id}": str(leaving.clinician.id)}
    response = owner.post_form(url, fields)
    assert response.status_code == 302, response.data[-1500:]
    db.session.expire_all()
    assert not db.session.get(Clinician, leaving.colleague.id).active
    assert db.session.get(Couple, leaving.couple.id).clinician_id == leaving.morgan.id
    assert db.session.get(Couple, leaving.closed.id).clinician_id == leaving.clinician.id
    morgan = clinician_login(app, leaving.morgan)
    dashboard = morgan.get("/dashboard").data
    assert f"/couples/{leaving.couple.id}/safety/{leaving.flag.id}".encode() in dashboard
    assert morgan.get(f"/couples/{leaving.couple.id}/safety/{leaving.flag.id}").status_code == 200
    assert morgan.get(f"/homework/{leaving.assignment.id}").status_code == 200
    assert morgan.get(f"/sessions/{leaving.session.id}").status_code == 200
    moves = [e for e in audit_events("change") if e.record_type == "Couple"]
    assert sorted((e.record_id, e.detail["from"], e.detail["to"]) for e in moves) == sorted([
        (leaving.couple.id, leaving.colleague.id, leaving.morgan.id),
        (leaving.closed.id, leaving.colleague.id, leaving.clinician.id)])


@pytest.mark.parametrize("target", ["self", "inactive", "elsewhere", "missing"])
def test_the_service_never_leaves_a_couple_without_an_active_clinician(app, leaving, target):
    other_practice = make_clinician(name="Elsewhere too", email="else@example.com")
    gone = make_clinician(leaving.clinician.practice, name="Gone", email="gone@example.com", active=False)
    chosen = {"self": leaving.colleague.id, "inactive": gone.id, "elsewhere": other_practice.id,
              "missing": None}[target]
    choice = {leaving.closed.id: leaving.morgan.id}
    if chosen is not None:
        choice[leaving.couple.id] = chosen
    with pytest.raises(DomainError):
        services.deactivate(leaving.colleague, choice)
    db.session.expire_all()
    assert db.session.get(Clinician, leaving.colleague.id).active
    assert db.session.get(Couple, leaving.couple.id).clinician_id == leaving.colleague.id


def test_two_deactivations_cannot_hand_couples_to_each_other(app, leaving):
    """Jamie's couples go to Morgan; then Morgan's to Jamie is refused, since Jamie is gone."""
    mine = make_couple(leaving.morgan, ("Ari", "Bo"))
    services.deactivate(leaving.colleague, {leaving.couple.id: leaving.morgan.id, leaving.closed.id: leaving.morgan.id})
    with pytest.raises(DomainError):
        services.deactivate(leaving.morgan, {mine.id: leaving.colleague.id, leaving.couple.id: leaving.colleague.id,
                                             leaving.closed.id: leaving.colleague.id})
    db.session.expire_all()
    assert db.session.get(Clinician, leaving.morgan.id).active


def test_a_concurrent_deactivation_waits_for_the_row_locks_on_postgresql(app, leaving):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite's single writer already serialises these transactions")
    mine = make_couple(leaving.morgan, ("Ari", "Bo"))
    ids = {"jamie": leaving.colleague.id, "morgan": leaving.morgan.id, "mine": mine.id,
           "couple": leaving.couple.id, "closed": leaving.closed.id}
    db.session.commit()
    other = db.engine.connect()
    held = other.begin()
    # The first owner's deactivation of Jamie holds the practice's active clinicians, as deactivate() does.
    other.execute(text("SELECT id FROM clinicians WHERE practice_id = :p AND active ORDER BY id FOR UPDATE"),
                  {"p": leaving.clinician.practice_id})
    outcome = {}

    def second_owner():
        with app.app_context():
            morgan = db.session.get(Clinician, ids["morgan"])
            try:
                services.deactivate(morgan, {ids["mine"]: ids["jamie"]})
                outcome["result"] = "deactivated"
            except DomainError:
                outcome["result"] = "refused"
            db.session.remove()

    worker = threading.Thread(target=second_owner)
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive()  # blocked on the lock the first owner holds
    other.execute(text("UPDATE clinicians SET active = false WHERE id = :id"), {"id": ids["jamie"]})
    held.commit()  # the first owner's deactivation of Jamie lands
    other.close()
    worker.join(10)
    assert outcome["result"] == "refused"  # Morgan's couple is not handed to Jamie, now inactive
    db.session.expire_all()
    assert db.session.get(Couple, ids["mine"]).clinician_id == ids["morgan"]


def test_partners_of_an_inactive_clinician_are_told_the_practice_will_be_in_touch_and_cannot_check_in(app, world):
    alex = partner_login(app, world.p1)
    world.clinician.active = False  # legacy data, from before couples had to be passed on
    db.session.commit()
    home = alex.get("/portal/").data
    assert b"Your therapist&#39;s practice will be in touch." in home or b"Your therapist's practice will be in touch." in home
    assert b"How are things between you?" not in home
    page = alex.get(URL).data
    assert b"practice will be in touch" in page and b'name="q_safety"' not in page
    assert b"/portal/support" in page
    response = alex.post_form(URL, {"action": "submit", "q_safety": "yes", "version": "0", "period": "2026-01-01"})
    assert response.status_code in (200, 302)
    assert db.session.scalar(select(CheckIn)) is None


def test_no_homework_reminder_points_partners_to_a_therapist_who_cannot_read_it(app, runner, world, outbox):
    give_homework(world, due_in=1)
    world.clinician.active = False  # legacy data
    db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert "Sent 0 reminder(s)." in result.output and outbox == []


def test_homework_is_not_sent_to_a_clinician_who_cannot_read_it_and_the_answers_stay(app, world):
    from tests.homework_helpers import FULL_ANSWERS

    assignment = give_homework(world, positions=(1,))
    alex = partner_login(app, world.p1)
    url = f"/portal/homework/{assignment.id}"
    alex.get(url)
    world.clinician.active = False  # legacy data
    db.session.commit()
    response = alex.post_form(url, FULL_ANSWERS | {"action": "submit", "version": "1"})
    assert response.status_code == 200 and b"practice will be in touch" in response.data
    assert FULL_ANSWERS["q_story"].encode() in response.data
    from practice.models import Response
    assert db.session.scalar(select(Response.status).where(Response.assignment_id == assignment.id)) != "submitted"


def test_the_new_therapist_is_emailed_at_once_about_an_open_flag_that_moved_to_them(app, leaving, outbox):
    owner = _owner(app, leaving)
    url = f"/practice/team/{leaving.colleague.id}/reassign"
    fields = {k: v[0] for k, v in form_fields(owner.get(url).data, None).items()}
    fields |= {f"couple_{leaving.couple.id}": str(leaving.morgan.id),
               f"couple_{leaving.closed.id}": str(leaving.clinician.id)}
    outbox.clear()
    assert owner.post_form(url, fields).status_code == 302
    to_morgan = [m for m in outbox if m.to == [leaving.morgan.email]]
    assert len(to_morgan) == 1 and to_morgan[0].subject == "A check-in needs your attention"
    assert f"/couples/{leaving.couple.id}/safety/{leaving.flag.id}" in to_morgan[0].body
    assert not [m for m in outbox if m.to == [leaving.colleague.email]]  # the one who left is not written to
