"""Sessions end to end: record, draft, conflict, sign and lock, amend, release, and what the pages show."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from practice.extensions import db
from practice.models import AuditEvent, Partner, SessionAmendment, SessionDocument, TherapySession
from practice.pdf import PdfTimeout
from practice.sessions.services import add_amendment
from tests.homework_helpers import clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.reading import visible
from tests.session_helpers import counted_queries, record_session, signed_session

NEW = {"day": "2026-11-03", "at": "10:00", "minutes": "50", "format": "video", "attended": "partner2"}


def note_form(page: bytes) -> dict:
    """What the note form would post back as it stands, ticked homework included."""
    def ticked(name: bytes) -> list[bytes]:
        return re.findall(rb'checked id="%s-\d+" name="%s" type="checkbox" value="(\d+)"' % (name, name), page)

    version = re.search(rb'name="version" type="hidden" value="(\d+)"', page).group(1).decode()
    return {"day": re.search(rb'name="day" required type="date" value="([^"]+)"', page).group(1).decode(),
            "at": re.search(rb'name="at" required type="time" value="([^"]+)"', page).group(1).decode(),
            "minutes": "50", "format": "in_person", "attended": "both", "version": version,
            "reviewed": [v.decode() for v in ticked(b"reviewed")], "assigned": [v.decode() for v in ticked(b"assigned")]}


def test_therapist_records_sessions_in_the_practice_time_zone_numbered_per_couple(app, world):
    world.clinician.practice.timezone = "America/New_York"
    db.session.commit()
    therapist = clinician_login(app, world.clinician)
    form_page = therapist.get(f"/couples/{world.couple.id}/sessions/new").data
    assert b"Sam only" in visible(form_page) and b"Both (Alex and Sam)" in visible(form_page)
    first = therapist.post_form(f"/couples/{world.couple.id}/sessions/new", NEW)
    second = therapist.post_form(f"/couples/{world.couple.id}/sessions/new", NEW | {"day": "2026-11-10"})
    assert first.status_code == second.status_code == 302
    sessions = db.session.scalars(select(TherapySession).order_by(TherapySession.id)).all()
    assert [s.number for s in sessions] == [1, 2]
    assert sessions[0].starts_at == datetime(2026, 11, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York
    assert (sessions[0].format, sessions[0].attended, sessions[0].minutes) == ("video", "partner2", 50)
    assert first.headers["Location"].endswith(f"/sessions/{sessions[0].id}")
    assert record_session(world, couple=world.other_couple).number == 1
    page = therapist.get(f"/couples/{world.couple.id}").data
    assert b"Session 2" in page and b"Sam only" in visible(page) and b"Draft" in page
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "TherapySession",
                                                          AuditEvent.action == "create")).all()
    assert {e.record_id for e in created} >= {sessions[0].id, sessions[1].id}


@pytest.mark.parametrize("data, field, words", [
    ({"minutes": "5"}, "minutes", b"from 10 to 240"),
    ({"day": "soon"}, "day", b"valid date"),
    ({"at": "25:99"}, "at", b"valid time"),
    ({"attended": "partner3"}, "attended", b"valid choice"),
    ({"format": ""}, "format", b"in person or video"),
])
def test_the_session_form_refuses_bad_input_beside_the_field_and_keeps_the_rest(app, world, data, field, words):
    therapist = clinician_login(app, world.clinician)
    response = therapist.post_form(f"/couples/{world.couple.id}/sessions/new", NEW | data)
    assert response.status_code == 200
    assert f'id="{field}-error"'.encode() in response.data and words in response.data
    if field != "minutes":
        assert b'value="50"' in response.data
    assert db.session.scalar(select(TherapySession)) is None


def test_a_new_session_links_homework_due_since_the_last_session_and_homework_set_that_day(app, world):
    too_old, due_since, set_today = give_homework(world), give_homework(world), give_homework(world)
    for assignment, (set_days_ago, due_days_ago) in ((too_old, (20, 10)), (due_since, (10, 3))):
        assignment.starts_on = date.today() - timedelta(days=set_days_ago)
        assignment.due_date = date.today() - timedelta(days=due_days_ago)
    db.session.commit()
    record_session(world, days_ago=7)
    session = record_session(world)
    assert [a.id for a in session.homework_reviewed] == [due_since.id]
    assert [a.id for a in session.homework_assigned] == [set_today.id]
    page = clinician_login(app, world.clinician).get(f"/sessions/{session.id}").data
    assert note_form(page)["reviewed"] == [str(due_since.id)]  # the defaults arrive ticked
    assert f'value="{too_old.id}"'.encode() in page  # and older homework can still be ticked


def test_a_draft_saves_and_a_stale_tab_is_refused_with_its_text_kept(app, world):
    session = record_session(world)
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/sessions/{session.id}").data
    opened = note_form(page)
    saved = therapist.post_form(f"/sessions/{session.id}", opened | {"focus": "First tab's focus", "interventions": ["enactment"]})
    assert saved.status_code == 302
    stale = therapist.post_form(f"/sessions/{session.id}", opened | {"focus": "Second tab's careful words"})
    assert stale.status_code == 200
    assert b"Someone else saved this page" in stale.data and b"Second tab&#39;s careful words" in stale.data
    db.session.refresh(session)
    assert session.focus == "First tab's focus" and session.interventions == ["enactment"]
    again = therapist.post_form(f"/sessions/{session.id}", note_form(stale.data) | {"focus": "Second tab's careful words"})
    assert again.status_code == 302
    db.session.refresh(session)
    assert session.focus == "Second tab's careful words" and not session.is_signed


def test_unticking_homework_saves_and_another_couples_homework_is_not_a_choice(app, world):
    mine = give_homework(world)
    theirs = give_homework(world, couple=world.other_couple)
    session = record_session(world)
    assert [a.id for a in session.homework_assigned] == [mine.id]
    therapist = clinician_login(app, world.clinician)
    form = note_form(therapist.get(f"/sessions/{session.id}").data)
    refused = therapist.post_form(f"/sessions/{session.id}", form | {"assigned": [str(theirs.id)]})
    assert refused.status_code == 200 and b'id="assigned-error"' in refused.data
    assert therapist.post_form(f"/sessions/{session.id}", form | {"assigned": []}).status_code == 302
    db.session.refresh(session)
    assert session.homework_assigned == [] and session.version == 2  # a change of links alone moves the version on


def test_signing_needs_a_focus_then_locks_the_note(app, world):
    session = record_session(world)
    therapist = clinician_login(app, world.clinician)
    form = note_form(therapist.get(f"/sessions/{session.id}").data) | {"sign": "Sign and lock"}
    refused = therapist.post_form(f"/sessions/{session.id}", form | {"plan": "Keep this plan"})
    assert refused.status_code == 200 and b'id="focus-error"' in refused.data and b"Keep this plan" in refused.data
    asked = therapist.post_form(f"/sessions/{session.id}", form | {"focus": "The cycle", "plan": "Keep this plan"})
    assert asked.status_code == 302 and f"/sessions/{session.id}/sign?version=" in asked.headers["Location"]
    db.session.refresh(session)
    assert not session.is_signed and session.plan == "Keep this plan"  # saved as a draft, not yet signed
    confirm = visible(therapist.get(asked.headers["Location"]).data.decode())
    assert "Nobody can edit it afterwards" in confirm and "Go back to the draft" in confirm
    assert "The cycle" in confirm and "Keep this plan" not in confirm  # what is signed: the focus and the summary
    old_link = therapist.get(f"/sessions/{session.id}/sign?version={session.version - 1}")
    assert old_link.status_code == 302 and old_link.headers["Location"].endswith(f"/sessions/{session.id}")
    signed = therapist.post_form(f"/sessions/{session.id}/sign", {"version": session.version})
    assert signed.status_code == 302
    db.session.refresh(session)
    assert session.is_signed and session.signed_by_id == world.clinician.id and session.plan == "Keep this plan"
    page = therapist.get(f"/sessions/{session.id}").data
    assert b"Signed by Dr. Reyes" in visible(page) and b'name="focus"' not in page and b"Add amendment" in page

    edit = therapist.post_form(f"/sessions/{session.id}", form | {"focus": "Rewritten later"})
    assert edit.status_code == 302
    assert b"signed and locked" in therapist.get(edit.headers["Location"]).data
    db.session.refresh(session)
    assert session.focus == "The cycle"


def test_a_note_saved_after_signing_was_asked_for_is_not_signed_unseen(app, world):
    session = record_session(world, focus="The cycle")
    therapist = clinician_login(app, world.clinician)
    asked_at = session.version
    form = note_form(therapist.get(f"/sessions/{session.id}").data) | {"plan": "Changed in another tab"}
    assert therapist.post_form(f"/sessions/{session.id}", form).status_code == 302  # a save after the ask
    refused = therapist.post_form(f"/sessions/{session.id}/sign", {"version": asked_at})
    assert refused.status_code == 302
    db.session.refresh(session)
    assert not session.is_signed
    assert "not signed yet" in visible(therapist.get(f"/sessions/{session.id}").data.decode())


def test_releasing_the_handout_is_confirmed_on_a_page_first(app, world):
    session = signed_session(world)
    therapist = clinician_login(app, world.clinician)
    signed_page = therapist.get(f"/sessions/{session.id}").data.decode()
    assert f'href="/sessions/{session.id}/release"' in signed_page  # a link to the confirmation, not a form
    confirm = visible(therapist.get(f"/sessions/{session.id}/release").data.decode())
    assert "Release the handout to Alex &amp; Sam?" in confirm and "never your clinical note" in confirm
    db.session.refresh(session)
    assert not session.is_released  # asking changes nothing
    assert therapist.post_form(f"/sessions/{session.id}/release").status_code == 302
    db.session.refresh(session)
    assert session.is_released


def test_only_the_signer_adds_dated_amendments(app, world):
    session = signed_session(world)
    therapist = clinician_login(app, world.clinician)
    empty = therapist.post_form(f"/sessions/{session.id}/amendments", {"text": "  "})
    assert empty.status_code == 200 and b'id="text-error"' in empty.data
    added = therapist.post_form(f"/sessions/{session.id}/amendments", {"text": "Correction: both partners arrived late."})
    assert added.status_code == 302
    page = therapist.get(f"/sessions/{session.id}").data
    assert b"Correction: both partners arrived late." in page and date.today().strftime("%-d %b %Y").encode() in page
    db.session.refresh(session)
    assert session.focus == "Seeing the cycle" and len(session.amendments) == 1

    colleague = clinician_login(app, world.colleague)
    assert colleague.post_form(f"/sessions/{session.id}/amendments", {"text": "Not mine"}).status_code == 404
    world.couple.clinician_id = world.colleague.id  # the couple moves on to a colleague, who did not sign
    db.session.commit()
    assert b"Only Dr. Reyes, who signed this note" in visible(colleague.get(f"/sessions/{session.id}").data)
    assert colleague.post_form(f"/sessions/{session.id}/amendments", {"text": "Not mine"}).status_code == 403
    assert len(db.session.scalars(select(SessionAmendment)).all()) == 1


def test_a_draft_takes_no_amendments(app, world):
    session = record_session(world, focus="Still a draft")
    response = clinician_login(app, world.clinician).post_form(f"/sessions/{session.id}/amendments", {"text": "Early"})
    assert response.status_code == 302 and db.session.scalar(select(SessionAmendment)) is None


def test_the_handout_is_released_only_once_signed_and_then_shows_in_both_portals(app, world):
    session = record_session(world, focus="Draft")
    therapist = clinician_login(app, world.clinician)
    therapist.post_form(f"/sessions/{session.id}/release")
    db.session.refresh(session)
    assert not session.is_released
    assert b"Handouts" in partner_login(app, world.p1).get("/portal/").data
    assert f"/portal/handouts/{session.id}.pdf".encode() not in partner_login(app, world.p1).get("/portal/").data

    signed = signed_session(world, days_ago=1)
    assert therapist.post_form(f"/sessions/{signed.id}/release").status_code == 302
    db.session.refresh(signed)
    assert signed.is_released
    for partner in (world.p1, world.p2):
        assert f"/portal/handouts/{signed.id}.pdf".encode() in partner_login(app, partner).get("/portal/").data
    assert b"/portal/handouts/" not in partner_login(app, world.outsider).get("/portal/").data
    assert b"Handout released" in therapist.get(f"/couples/{world.couple.id}").data


def test_a_failed_render_is_a_message_not_an_error_page(app, world, monkeypatch):
    from practice.documents import session_pdfs
    from practice.sessions import frozen

    def too_slow(*args, **kwargs):
        raise PdfTimeout("This PDF took longer than 60 seconds to make, so it was stopped.")

    session = signed_session(world, release=True)
    # As if signed before documents were frozen: they are drawn on first need, and that draw fails.
    db.session.execute(SessionDocument.__table__.delete())
    session.handout_version = None
    db.session.commit()
    monkeypatch.setattr(session_pdfs, "render_documents", too_slow)
    monkeypatch.setattr(frozen, "render_documents", too_slow)
    therapist = clinician_login(app, world.clinician)
    response = therapist.get(f"/sessions/{session.id}/clinician.pdf")
    assert response.status_code == 302 and b"took longer than 60 seconds" in therapist.get(response.headers["Location"]).data
    partner = partner_login(app, world.p1)
    response = partner.get(f"/portal/handouts/{session.id}.pdf")
    assert response.status_code == 302 and b"couldn&#39;t be prepared" in partner.get(response.headers["Location"]).data
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "download")) is None


def test_a_partner_handout_query_never_loads_the_clinical_note(app, world):
    from sqlalchemy.exc import InvalidRequestError

    from practice.documents.session_pdfs import handout_for
    from practice.portal.handouts import released_handout_or_404

    session_id = signed_session(world, release=True, observations="Private observation").id
    partner_id = world.p1.id
    db.session.expunge_all()  # as in a partner's request: nothing of the session loaded yet
    loaded = released_handout_or_404(db.session.get(Partner, partner_id), session_id)
    assert handout_for(loaded).summary == ""
    with pytest.raises(InvalidRequestError):
        _ = loaded.observations


def test_notes_and_amendments_are_encrypted_at_rest(app, world):
    session = signed_session(world, observations="Sam cried when Alex reached out", couple_summary="You reached out")
    add_amendment(session, world.clinician, "Alex reached out first")
    stored = db.session.execute(text(
        "SELECT focus || observations || couple_summary || a.text FROM therapy_sessions"
        " JOIN session_amendments AS a ON a.session_id = therapy_sessions.id"
    )).scalar_one()
    assert "reached out" not in stored and "Seeing the cycle" not in stored


@pytest.mark.parametrize("pages", ["a draft's page", "a signed note's page", "the clinician copy"])
def test_a_session_costs_the_same_queries_however_much_homework_it_links(app, world, pages):
    from practice.documents.session_pdfs import clinician_context

    def cost(homework: int) -> int:
        for _ in range(homework):
            give_homework(world, due_in=0)
        session_id = (signed_session if pages == "a signed note's page" else record_session)(world).id
        if pages != "the clinician copy":
            therapist = clinician_login(app, world.clinician)
            with counted_queries() as statements:
                assert therapist.get(f"/sessions/{session_id}").status_code == 200
        else:
            db.session.expire_all()  # as in a fresh request: nothing of the session loaded yet
            with counted_queries() as statements:
                clinician_context(db.session.get(TherapySession, session_id))
        return len(statements)

    assert cost(1) == cost(4)


def test_the_note_form_remembers_the_handout_progress_choice(app, world):
    from tests.homework_helpers import clinician_login
    from tests.session_helpers import record_session

    session = record_session(world)
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/sessions/{session.id}").data
    assert "Include the couple's check-in progress in their handout?" in visible(page.decode()).replace("&#39;", "'")
    db.session.refresh(session)
    assert session.handout_progress == ""
