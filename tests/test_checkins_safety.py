"""The safety question: a flag only the couple's clinician sees, until they acknowledge it with a note."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from practice.domain import SafetyChoice
from practice.extensions import db
from practice.models import AuditEvent, SafetyFlag
from tests.checkin_helpers import fill_in, raise_flag
from tests.homework_helpers import FULL_ANSWERS, clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.test_homework_flow import answer
from tests.reading import visible

PLANTED = "planted-safety-words-5521"
ACK_NOTE = "ack-note-words-8830"
FLAG_WORDS = [b"Safety answers to read", b"Not yet acknowledged", b"answered the safety question"]


def test_the_couples_clinician_sees_the_flag_on_the_dashboard_and_the_couple_page(app, world):
    flag = raise_flag(world.p1, SafetyChoice.TALK, note=PLANTED)
    therapist = clinician_login(app, world.clinician)
    dashboard = therapist.get("/dashboard").data
    assert b"Safety answers to read" in dashboard and b"Alex &amp; Sam: Alex answered" in visible(dashboard)
    assert f"/couples/{world.couple.id}/safety/{flag.id}".encode() in dashboard
    couple_page = therapist.get(f"/couples/{world.couple.id}").data
    assert b"Safety answers to read" in couple_page and b"I&#39;d rather talk about it" in couple_page
    flag_page = therapist.get(f"/couples/{world.couple.id}/safety/{flag.id}").data
    assert PLANTED.encode() in flag_page and b"Afraid of their partner" in flag_page


@pytest.mark.parametrize("who", ["colleague", "stranger"])
def test_other_clinicians_see_no_flag_and_reach_nothing(app, world, who):
    flag = raise_flag(world.p1)
    browser = clinician_login(app, getattr(world, who))
    assert all(words not in browser.get("/dashboard").data for words in FLAG_WORDS)
    assert browser.get(f"/couples/{world.couple.id}").status_code == 404
    assert browser.get(f"/couples/{world.couple.id}/safety/{flag.id}").status_code == 404
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access_refused",
                                                         AuditEvent.record_type == "SafetyFlag"))
    assert refused is not None and refused.record_id == flag.id


def test_a_flag_id_under_another_couple_is_not_found(app, world):
    flag = raise_flag(world.p1)
    therapist = clinician_login(app, world.clinician)
    assert therapist.get(f"/couples/{world.other_couple.id}/safety/{flag.id}").status_code == 404


def portal_pages(browser, assignment_id: int) -> list[bytes]:
    urls = ["/portal/", "/portal/check-in", "/portal/support", f"/portal/homework/{assignment_id}"]
    return [browser.get(url).data for url in urls]


def test_no_partner_ever_sees_a_safety_answer_or_the_therapists_note(app, world):
    shared = give_homework(world, sharing="shared_after_both")
    alex, sam, robin = (partner_login(app, p) for p in (world.p1, world.p2, world.outsider))
    answer(alex, shared.id, "submit", FULL_ANSWERS)
    answer(sam, shared.id, "submit", FULL_ANSWERS)
    fill_in(alex, "submit", safety="yes", note=PLANTED)
    flag = db.session.scalar(select(SafetyFlag))
    therapist = clinician_login(app, world.clinician)
    therapist.post_form(f"/couples/{world.couple.id}/safety/{flag.id}", {"note": ACK_NOTE})
    fill_in(sam, "submit", safety="no")

    for page in portal_pages(sam, shared.id) + portal_pages(robin, shared.id):
        assert PLANTED.encode() not in page and ACK_NOTE.encode() not in page
        assert all(words not in page for words in FLAG_WORDS)
    own = portal_pages(alex, shared.id)
    assert PLANTED.encode() not in own[1]  # not even their own note: a glance at the phone could read it
    for page in own:
        assert ACK_NOTE.encode() not in page and all(words not in page for words in FLAG_WORDS)
        assert b"I&#39;d rather talk" not in page and b">Yes<" not in page
    assert robin.get(f"/portal/homework/{shared.id}").status_code == 404


def test_acknowledging_needs_a_note_then_clears_the_flag_and_is_audited(app, world):
    flag = raise_flag(world.p2, note=PLANTED)
    therapist = clinician_login(app, world.clinician)
    url = f"/couples/{world.couple.id}/safety/{flag.id}"
    empty = therapist.post_form(url, {"note": "  "})
    assert empty.status_code == 200 and b'id="note-error"' in empty.data
    too_long = therapist.post_form(url, {"note": "x" * 2001})
    assert too_long.status_code == 200 and b"under 2,000" in too_long.data and b"x" * 2001 in too_long.data
    done = therapist.post_form(url, {"note": f"Called Sam the same day. {ACK_NOTE}"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/couples/{world.couple.id}#safety")

    db.session.refresh(flag)
    assert not flag.is_open and flag.acknowledged_by_id == world.clinician.id and ACK_NOTE in flag.acknowledgement_note
    assert b"Safety answers to read" not in therapist.get("/dashboard").data
    couple_page = therapist.get(f"/couples/{world.couple.id}").data
    assert b"Safety answers to read" not in couple_page and b"Earlier safety answers (1), acknowledged" in couple_page
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "change", AuditEvent.record_type == "SafetyFlag"))
    assert event.record_id == flag.id and event.couple_id == world.couple.id and ACK_NOTE not in str(event.detail)


def test_a_flag_cannot_be_acknowledged_twice(app, world):
    flag = raise_flag(world.p1)
    therapist = clinician_login(app, world.clinician)
    url = f"/couples/{world.couple.id}/safety/{flag.id}"
    therapist.post_form(url, {"note": "first"})
    again = therapist.post_form(url, {"note": "second"})
    assert again.status_code == 200 and b"already acknowledged" in again.data and b"second" in again.data
    db.session.refresh(flag)
    assert flag.acknowledgement_note == "first"


def test_no_only_answers_raise_no_flag(app, world):
    fill_in(partner_login(app, world.p1), "submit", safety="no")
    assert db.session.scalar(select(SafetyFlag)) is None
    assert b"Safety answers to read" not in clinician_login(app, world.clinician).get("/dashboard").data


def test_check_in_notes_and_acknowledgements_are_encrypted_at_rest(app, world):
    flag = raise_flag(world.p1, note=PLANTED)
    clinician_login(app, world.clinician).post_form(f"/couples/{world.couple.id}/safety/{flag.id}", {"note": ACK_NOTE})
    raw = db.session.execute(text("SELECT note_to_therapist FROM checkins UNION ALL "
                                  "SELECT acknowledgement_note FROM safety_flags")).scalars().all()
    assert len(raw) == 2 and all(PLANTED not in value and ACK_NOTE not in value for value in raw)
