"""A raised safety flag reaches a person: the clinician at once, the owner(s) if no one acknowledges it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from practice.checkins import notices
from practice.checkins import services as checkin_services
from practice.domain import SafetyChoice
from practice.extensions import db
from practice.models import SafetyNotice, utcnow
from practice.platform import mail
from tests.checkin_helpers import fill_in, raise_flag
from tests.factories import make_clinician
from tests.homework_helpers import partner_login, world  # noqa: F401


@pytest.fixture()
def team(world):
    """The couple is seen by a colleague; the practice has two owners (one signed out for good)."""
    world.couple.clinician = world.colleague
    second = make_clinician(world.clinician.practice, owner=True, name="Co-owner", email="co@example.com")
    make_clinician(world.clinician.practice, owner=True, name="Gone", email="gone@example.com", active=False)
    db.session.commit()
    world.second_owner = second
    return world


def _refuse_mail(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("the mail server is down")
    monkeypatch.setattr(mail, "send_now", refuse)


def _notices():
    db.session.expire_all()
    return list(db.session.scalars(select(SafetyNotice).order_by(SafetyNotice.id)))


def test_a_raised_flag_emails_the_couples_clinician_at_once_with_no_names_and_a_public_link(app, team, outbox):
    fill_in(partner_login(app, team.p1), "submit", safety="talk", note="he shouts at me")
    (message,) = outbox
    assert message.to == [team.colleague.email] and message.subject == "A check-in needs your attention"
    (notice,) = _notices()
    assert (notice.stage, notice.state, notice.clinician_id) == ("clinician", "sent", team.colleague.id)
    public = app.config["PUBLIC_URL"].rstrip("/")
    link = f"{public}/couples/{team.couple.id}/safety/{notice.flag_id}"
    for body in (message.body, message.alternatives[0][0]):
        assert link in body
        for private in ("he shouts", "Alex", "Sam", "talk about it", team.colleague.name):
            assert private not in body


def test_a_no_answer_sends_nothing(app, team, outbox):
    fill_in(partner_login(app, team.p1), "submit", safety="no")
    assert outbox == [] and _notices() == []


def test_a_refused_send_is_kept_and_the_next_run_sends_it_once(app, runner, team, outbox, monkeypatch):
    _refuse_mail(monkeypatch)
    page = fill_in(partner_login(app, team.p1), "submit", safety="yes")
    assert page.status_code in (200, 302)  # the partner's check-in is sent whatever the mail server does
    (notice,) = _notices()
    assert notice.state == "pending" and notice.attempts == 1 and outbox == []
    monkeypatch.undo()
    result = runner.invoke(args=["send-reminders"])
    assert "Sent 1 safety notice(s)" in result.output, result.output
    assert [m.to for m in outbox] == [[team.colleague.email]]
    assert runner.invoke(args=["send-reminders"]).output.count("Sent 0 safety notice(s)") == 1
    assert len(outbox) == 1 and _notices()[0].state == "sent"


def test_a_run_that_died_after_claiming_is_taken_over_after_the_lease_never_before(app, team, outbox, monkeypatch):
    _refuse_mail(monkeypatch)
    flag = raise_flag(team.p1)
    monkeypatch.undo()
    (notice,) = _notices()
    claimed = utcnow()
    assert notices._claim(notice.id, claimed)  # ...and the process dies here, before sending
    assert not notices._claim(notice.id, claimed)  # a concurrent run cannot take it
    assert notices.deliver_pending(claimed + notices.CLAIM_LEASE - timedelta(seconds=1)) == 0
    assert outbox == []
    assert notices.deliver_pending(claimed + notices.CLAIM_LEASE + timedelta(seconds=1)) == 1
    assert notices.deliver_pending(claimed + notices.CLAIM_LEASE * 3) == 0
    assert len(outbox) == 1 and _notices()[0].flag_id == flag.id


def test_an_unacknowledged_flag_goes_to_every_active_owner_after_the_practice_limit_once(app, team, outbox):
    flag = raise_flag(team.p1)
    outbox.clear()
    raised = flag.raised_at
    assert notices.run(raised + timedelta(hours=23, minutes=59)) == (0, 0)
    assert notices.run(raised + timedelta(hours=24, minutes=1)) == (2, 2)
    assert sorted(m.to[0] for m in outbox) == sorted([team.clinician.email, team.second_owner.email])
    assert "no one has acknowledged it" in outbox[0].body and "/practice/team" in outbox[0].body
    assert notices.run(raised + timedelta(hours=48)) == (0, 0)
    assert len(outbox) == 2
    stages = sorted((n.stage, n.clinician_id) for n in _notices())
    assert stages == sorted([("clinician", team.colleague.id), ("owner", team.clinician.id),
                             ("owner", team.second_owner.id)])


def test_an_acknowledged_flag_is_not_escalated(app, team, outbox):
    flag = raise_flag(team.p1)
    checkin_services.acknowledge(flag, team.colleague, "Called her; she is safe tonight.")
    assert notices.run(utcnow() + timedelta(days=3)) == (0, 0)


def test_the_practice_chooses_how_long_before_owners_are_told(app, team, outbox):
    team.clinician.practice.safety_escalation_hours = 2
    db.session.commit()
    flag = raise_flag(team.p1)
    assert notices.run(flag.raised_at + timedelta(hours=1)) == (0, 0)
    assert notices.run(flag.raised_at + timedelta(hours=2, minutes=1))[0] == 2


def test_a_flag_on_a_couple_whose_clinician_cannot_sign_in_goes_to_the_owners_at_once(app, team, outbox):
    flag = raise_flag(team.p1)
    team.colleague.active = False  # legacy data: deactivated before couples had to be reassigned
    db.session.commit()
    outbox.clear()
    assert notices.run(flag.raised_at + timedelta(minutes=5)) == (2, 2)  # no waiting for the 24 hours
    assert sorted(m.to[0] for m in outbox) == sorted([team.clinician.email, team.second_owner.email])
    assert "can no longer sign in" in outbox[0].body


def test_a_notice_cannot_be_recorded_twice(app, team):
    flag = raise_flag(team.p1)
    db.session.add(SafetyNotice(flag_id=flag.id, stage="clinician", clinician_id=team.colleague.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_owner_sets_the_escalation_limit_on_the_profile_and_nonsense_is_refused(app, team):
    from tests.homework_helpers import clinician_login
    from tests.html_forms import form_fields

    owner = clinician_login(app, team.clinician)
    page = owner.get("/practice/")
    assert b"safety_escalation_hours" in page.data
    fields = {k: v[0] for k, v in form_fields(page.data, None).items()}
    for bad in ("0", "-3", "1000", "soon"):
        refused = owner.post_form("/practice/", {**fields, "safety_escalation_hours": bad})
        assert refused.status_code == 200, bad
        assert b"between 1 and 168" in refused.data or b"Not a valid integer" in refused.data, bad
    saved = owner.post_form("/practice/", {**fields, "safety_escalation_hours": "6"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert team.clinician.practice.safety_escalation_hours == 6


def test_the_owners_link_leads_to_the_waiting_couple_and_its_therapist_without_the_answer(app, team, outbox):
    from tests.homework_helpers import clinician_login

    flag = raise_flag(team.p1, SafetyChoice.TALK)
    owner = clinician_login(app, team.clinician)
    assert b"Safety answers no one has acknowledged" not in owner.get("/practice/team").data
    team.clinician.practice.safety_escalation_hours = 1
    flag.raised_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    page = owner.get("/practice/team").data.decode()
    waiting = page.split("Safety answers no one has acknowledged")[1].split("</section>")[0]
    assert "Alex &amp; Sam" in waiting and "Jamie" in waiting
    words = re.sub(r"<[^>]+>", " ", waiting).lower()  # the text read, not a random token in an attribute
    assert "talk" not in words.replace("only their therapist", "")
