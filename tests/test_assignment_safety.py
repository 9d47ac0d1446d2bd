"""Issue 14 §1: suggestions and assignment act on safety, through the real app and database.

The ranking rules themselves are in tests/test_suggestions.py; here, that a flag
applies for as long as it should, that the therapist's pages say so (and no
partner's page does), and that every assignment rule holds by form and by forged POST.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from practice.checkins.services import flag_applies
from practice.domain import DomainError
from practice.extensions import db
from practice.homework.services import AssignmentRequest, assign
from practice.models import Assignment, AuditEvent, utcnow
from tests.checkin_helpers import raise_flag
from tests.factories import make_exercise
from tests.homework_helpers import clinician_login, partner_login, world  # noqa: F401

SAFETY_FIRST = b"Individual safety assessment first"
DUE = "2099-01-31"


def assign_url(world, exercise) -> str:
    return f"/couples/{world.couple.id}/homework/new?exercise={exercise.id}"


def post_assign(therapist, world, exercise, **data):
    return therapist.post_form(assign_url(world, exercise), {"who": "both", "due_date": DUE, "sharing": "private",
                                                              "note": "Keep this note"} | data)


def assignments() -> list[Assignment]:
    return list(db.session.scalars(select(Assignment)))


def test_a_flag_applies_while_open_and_for_the_practices_weeks_after(app, world):
    assert not flag_applies(world.couple)
    flag = raise_flag(world.p2)
    assert flag_applies(world.couple)  # open
    flag.acknowledged_at = utcnow()
    db.session.commit()
    assert flag_applies(world.couple)  # acknowledged, but raised this week
    flag.raised_at = utcnow() - timedelta(weeks=9)
    db.session.commit()
    assert not flag_applies(world.couple)  # acknowledged and older than the default 8 weeks
    world.clinician.practice.safety_flag_weeks = 10
    db.session.commit()
    assert flag_applies(world.couple)


def test_the_therapist_sees_safety_first_and_no_joint_work_is_suggested(app, world):
    together = make_exercise(world.clinician, title="Talking it through side by side", mode="together",
                             stage="deescalation", areas=["hostility"])
    world.couple.concerns = ["hostility"]
    db.session.commit()
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/couples/{world.couple.id}").data
    assert SAFETY_FIRST not in page and b"Talking it through side by side" in page

    raise_flag(world.p1)
    for url in (f"/couples/{world.couple.id}", f"/couples/{world.couple.id}/homework/new"):
        page = therapist.get(url).data
        assert SAFETY_FIRST in page
        suggestions = page.split(b"suggestion-list")[-1].split(b"</ol>")[0] if b"suggestion-list" in page else b""
        assert f"exercise={together.id}".encode() not in suggestions
    for partner in (world.p1, world.p2):  # neither partner, the one who answered or the other, sees any of it
        browser = partner_login(app, partner)
        for url in ("/portal/", "/portal/homework"):
            assert b"safety assessment" not in browser.get(url, follow_redirects=True).data.lower()


def test_never_shared_work_is_not_offered_shared_and_a_forged_post_is_refused(app, world):
    private = make_exercise(world.clinician, title="Fears and longings", never_shared=True)
    therapist = clinician_login(app, world.clinician)
    form = therapist.get(assign_url(world, private)).data
    assert b'value="shared_after_both"' not in form and b"never shared between partners" in form
    refused = post_assign(therapist, world, private, sharing="shared_after_both")
    assert refused.status_code == 200 and b'id="sharing-error"' in refused.data
    assert b"never shared between partners" in refused.data and b"Keep this note" in refused.data
    assert assignments() == []
    request = AssignmentRequest(private.latest, (1, 2), date(2099, 1, 31), None, "", "shared_after_both", {})
    with pytest.raises(DomainError, match="never shared"):
        assign(world.couple, world.clinician, request, date.today())


def test_one_partner_only_work_goes_to_exactly_one_partner(app, world):
    plan = make_exercise(world.clinician, title="My own safety plan", never_shared=True, one_partner_only=True)
    therapist = clinician_login(app, world.clinician)
    form = therapist.get(assign_url(world, plan)).data
    assert b'value="both"' not in form and b'value="1"' in form
    refused = post_assign(therapist, world, plan)
    assert b'id="who-error"' in refused.data and b"one partner only" in refused.data and assignments() == []
    request = AssignmentRequest(plan.latest, (1, 2), date(2099, 1, 31), None, "", "private", {})
    with pytest.raises(DomainError, match="one partner only"):
        assign(world.couple, world.clinician, request, date.today())
    assert post_assign(therapist, world, plan, who="2").status_code == 302
    assert [r.partner_position for r in assignments()[0].responses] == [2]


def test_practise_in_session_first_needs_the_tick_and_is_recorded(app, world):
    reach = make_exercise(world.clinician, title="Reaching for you", practise_in_session_first=True)
    therapist = clinician_login(app, world.clinician)
    assert b"We have practised this together in session" in therapist.get(assign_url(world, reach)).data
    refused = post_assign(therapist, world, reach)
    assert b'id="practised_in_session-error"' in refused.data and b"Keep this note" in refused.data
    assert assignments() == []
    request = AssignmentRequest(reach.latest, (1, 2), date(2099, 1, 31), None, "", "private", {})
    with pytest.raises(DomainError, match="practise this together in session"):
        assign(world.couple, world.clinician, request, date.today())
    assert post_assign(therapist, world, reach, practised_in_session="y").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "Assignment"))
    assert event.detail == {"practised_in_session": True} and event.record_id == assignments()[0].id


@pytest.mark.parametrize("declared", [{"mode": "together"}, {"vulnerable": True}])
def test_joint_or_vulnerable_work_under_a_flag_needs_a_confirmed_reason_kept_sealed(app, world, declared):
    work = make_exercise(world.clinician, title="Softening together", **declared)
    raise_flag(world.p1)
    therapist = clinician_login(app, world.clinician)
    assert SAFETY_FIRST in therapist.get(assign_url(world, work)).data
    no_reason = post_assign(therapist, world, work, safety_confirmed="y")
    assert b'id="safety_reason-error"' in no_reason.data and b"Keep this note" in no_reason.data
    unconfirmed = post_assign(therapist, world, work, safety_reason="Seen each alone on Monday")
    assert b'id="safety_confirmed-error"' in unconfirmed.data and b"Seen each alone on Monday" in unconfirmed.data
    assert assignments() == []
    forged = AssignmentRequest(work.latest, (1, 2), date(2099, 1, 31), None, "", "private", {})
    with pytest.raises(DomainError, match="safety answer applies"):
        assign(world.couple, world.clinician, forged, date.today())

    reason = "Seen each partner alone on Monday; both said they feel safe at home"
    assert post_assign(therapist, world, work, safety_confirmed="y", safety_reason=reason).status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "Assignment"))
    (assignment,) = assignments()
    assert event.couple_id == world.couple.id and event.record_id == assignment.id
    assert event.detail == {"safety_reason_given": True} and assignment.safety_reason == reason
    stored = db.session.execute(text("SELECT safety_reason FROM assignments")).scalar_one()
    assert "Monday" not in stored  # encrypted at rest


def test_no_reason_is_asked_for_individual_gentle_work_under_a_flag(app, world):
    raise_flag(world.p1)
    therapist = clinician_login(app, world.clinician)
    assert b"safety_reason" not in therapist.get(assign_url(world, world.exercise)).data
    assert post_assign(therapist, world, world.exercise).status_code == 302


def test_restructuring_milestones_are_recorded_with_dates_and_audit(app, world):
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/couples/{world.couple.id}/edit").data
    assert b"Restructuring milestones" in page
    data = {"partner1-name": "Alex", "partner2-name": "Sam", "stage": "restructuring", "start_date": "2026-01-05",
            "status": "active", "version": str(world.couple.version), "withdrawer_reengaged_on": "2026-10-01"}
    assert therapist.post_form(f"/couples/{world.couple.id}/edit", data).status_code == 302
    db.session.refresh(world.couple)
    assert world.couple.withdrawer_reengaged_on == date(2026, 10, 1) and not world.couple.milestones_met
    data |= {"version": str(world.couple.version), "softening_on": "2026-11-02"}
    assert therapist.post_form(f"/couples/{world.couple.id}/edit", data).status_code == 302
    db.session.refresh(world.couple)
    assert world.couple.milestones_met
    fields = [e.detail.get("field") for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.record_type == "Couple", AuditEvent.action == "change"))]
    assert fields.count("withdrawer_reengaged_on") == 1 and fields.count("softening_on") == 1
