"""A signed record is frozen: both PDFs read the same forever, amendments add versions, handouts change only on purpose.

Every download here goes through the real routes (the clinician's pages and the
partner's portal) and is read back as text with pypdf.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from practice.checkins.schedule import current_period
from practice.extensions import db
from practice.models import AuditEvent, SessionDocument, TherapySession
from practice.portal.homework import submit
from practice.sessions import frozen
from practice.sessions.services import add_amendment, release_handout
from tests.checkin_helpers import plant
from tests.reading import pdf_pages
from tests.homework_helpers import clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.session_helpers import draft, record_session, signed_session

ANSWERS = {"story": "Zqfirststory", "word": "tired", "close": 2, "talk": "yes", "kinds": ["hug"],
           "log": [{"moment": "a walk"}, {}, {}]}


def text_of(pdf: bytes) -> str:
    return "\n".join(pdf_pages(pdf))


def downloads(app, world, session_id: int) -> dict[str, bytes]:
    """Both copies as the therapist downloads them, and the handout as each partner does."""
    therapist = clinician_login(app, world.clinician)
    got = {copy: therapist.get(f"/sessions/{session_id}/{copy}.pdf") for copy in ("clinician", "couple")}
    for name, partner in (("p1", world.p1), ("p2", world.p2)):
        got[name] = partner_login(app, partner).get(f"/portal/handouts/{session_id}.pdf")
    for key, response in got.items():
        assert response.status_code == 200 and response.data.startswith(b"%PDF-"), key
    return {key: response.data for key, response in got.items()}


def a_full_signed_session(world) -> TherapySession:
    """Signed and released, with check-ins charted, homework reviewed with one answer sent, and homework set."""
    practice = world.clinician.practice
    practice.name, practice.address, practice.phone = "Harbour Practice", "1 Quay St", "0117 000 0000"
    practice.crisis_resources = "Crisis line: 0800 111 222"
    world.clinician.credentials = "LMFT"
    world.couple.start_date = date.today() - timedelta(days=56)
    db.session.commit()
    this_week = current_period(world.couple, date.today())
    for weeks_ago in (3, 2, 1):
        plant(world.couple, 1, this_week - timedelta(weeks=weeks_ago), 2)
        plant(world.couple, 2, this_week - timedelta(weeks=weeks_ago), 4)
    reviewed = give_homework(world, due_in=0)
    alex, sam = reviewed.responses
    submit(alex, alex.version, ANSWERS)
    assigned = give_homework(world)
    session = record_session(world)
    from practice.sessions.services import sign

    sign(session, world.clinician, session.version, draft(
        session, focus="Zqfocus", couple_summary="Zqsummary", handout_progress="couple_combined",
        reviewed=[reviewed.id], assigned=[assigned.id]))
    release_handout(session)
    return session


def change_everything_the_pdfs_show(world, session: TherapySession) -> None:
    """What happens to a record after signing: check-ins, answers, practice edits, renames, a new time zone."""
    this_week = current_period(world.couple, date.today())
    plant(world.couple, 1, this_week, 6)  # the latest scores, lowest areas and charts all move
    plant(world.couple, 2, this_week, 0)
    [reviewed] = session.homework_reviewed
    sam = next(r for r in reviewed.responses if r.partner_position == 2)
    submit(sam, sam.version, ANSWERS | {"story": "Zqlatestory", "close": 6})
    reviewed.review_comment = "Zqlatecomment"
    practice = world.clinician.practice
    practice.name, practice.address, practice.phone = "Renamed Practice Ltd", "99 New Road", "0200 999 999"
    practice.crisis_resources = "A new crisis line: 0300 123 123"
    practice.timezone = "Pacific/Auckland"
    world.clinician.name, world.clinician.credentials = "Dr. Renamed", "PhD"
    world.p1.name, world.p1.pronouns = "Alexandra", "she/her"
    db.session.commit()


def test_both_pdfs_read_the_same_after_check_ins_answers_practice_edits_renames_and_a_new_time_zone(app, world):
    session = a_full_signed_session(world)
    before = downloads(app, world, session.id)
    assert "Harbour Practice" in text_of(before["clinician"]) and "Zqfocus" in text_of(before["clinician"])
    assert "Zqsummary" in text_of(before["couple"]) and "Harbour Practice" in text_of(before["couple"])
    change_everything_the_pdfs_show(world, session)

    after = downloads(app, world, session.id)
    for key in before:
        assert text_of(after[key]) == text_of(before[key]), key
        assert after[key] == before[key], key  # the stored bytes themselves
    for gone in ("Renamed", "Zqlatestory", "Zqlatecomment", "Auckland", "Alexandra", "PhD", "0300 123 123"):
        assert gone not in text_of(after["clinician"]) + text_of(after["couple"])
    assert before["p1"] == before["couple"]  # partners get the very handout the therapist released


def _new_check_ins(world, session):
    this_week = current_period(world.couple, date.today())
    plant(world.couple, 1, this_week, 6)
    plant(world.couple, 2, this_week, 0)


def _new_answer(world, session):
    [reviewed] = session.homework_reviewed
    sam = next(r for r in reviewed.responses if r.partner_position == 2)
    submit(sam, sam.version, ANSWERS | {"story": "Zqlatestory", "close": 6})


def _practice_edit(world, session):
    practice = world.clinician.practice
    practice.name, practice.crisis_resources = "Renamed Practice Ltd", "A new crisis line: 0300 123 123"
    db.session.commit()


def _clinician_rename(world, session):
    world.clinician.name, world.clinician.credentials = "Dr. Renamed", "PhD"
    db.session.commit()


def _new_time_zone(world, session):
    world.clinician.practice.timezone = "Pacific/Auckland"
    db.session.commit()


@pytest.mark.parametrize("change", [_new_check_ins, _new_answer, _practice_edit, _clinician_rename, _new_time_zone],
                         ids=lambda change: change.__name__.strip("_"))
def test_each_later_change_alone_leaves_both_pdfs_as_signed(app, world, change):
    session = a_full_signed_session(world)
    before = downloads(app, world, session.id)
    change(world, session)
    after = downloads(app, world, session.id)
    assert {key: text_of(pdf) for key, pdf in after.items()} == {key: text_of(pdf) for key, pdf in before.items()}


def test_a_draft_still_renders_from_the_live_record(app, world):
    session = record_session(world, focus="Zqdraftfocus")
    therapist = clinician_login(app, world.clinician)
    first = text_of(therapist.get(f"/sessions/{session.id}/clinician.pdf").data)
    world.clinician.practice.name = "Zqlivepractice"
    db.session.commit()
    second = text_of(therapist.get(f"/sessions/{session.id}/clinician.pdf").data)
    assert "Zqlivepractice" not in first and "Zqlivepractice" in second and "Unsigned draft" in second
    assert db.session.scalar(select(SessionDocument.id)) is None


def test_an_amendment_adds_a_version_and_changes_nothing_in_the_earlier_one(app, world):
    session = a_full_signed_session(world)
    therapist = clinician_login(app, world.clinician)
    v1 = therapist.get(f"/sessions/{session.id}/versions/clinician/1.pdf").data
    change_everything_the_pdfs_show(world, session)

    response = therapist.post_form(f"/sessions/{session.id}/amendments", {"text": "Zqfirstamendment"})
    assert response.status_code == 302
    add_amendment(session, world.clinician, "Zqsecondamendment")
    listed = frozen.versions(session)
    assert [(d.version, d.reason) for d in listed["clinician"]] == [(1, "signed"), (2, "amendment"), (3, "amendment")]
    assert [(d.version, d.reason) for d in listed["couple"]] == [(1, "signed")]

    assert therapist.get(f"/sessions/{session.id}/versions/clinician/1.pdf").data == v1
    v2 = text_of(therapist.get(f"/sessions/{session.id}/versions/clinician/2.pdf").data)
    v3 = text_of(therapist.get(f"/sessions/{session.id}/clinician.pdf").data)  # the latest
    assert "Zqfirstamendment" in v2 and "Zqsecondamendment" not in v2
    assert "Zqfirstamendment" in v3 and "Zqsecondamendment" in v3 and "Amended" in v3
    # The original plus the dated amendments, and nothing else: every line of version 1 is still there, in order.
    original = [line for line in text_of(v1).splitlines() if "Page " not in line]
    later = [line for line in v3.splitlines() if "Page " not in line]
    assert [line for line in later if line in original] == original
    assert not any(word in v3 for word in ("Renamed Practice", "Zqlatestory", "Auckland"))
    assert "by Dr. Renamed" in v3  # an amendment is signed with the name its author has when writing it
    page = therapist.get(f"/sessions/{session.id}").data
    for number in (1, 2, 3):
        assert f"/sessions/{session.id}/versions/clinician/{number}.pdf".encode() in page
    assert b"Amendment added" in page and b"Signed and locked" in page


def test_a_corrected_handout_replaces_the_released_one_and_the_partners_are_told(app, world, outbox):
    session = a_full_signed_session(world)
    original = downloads(app, world, session.id)["p1"]
    world.clinician.practice.crisis_resources = "Zqcorrectedcrisis 0300 000 000"
    db.session.commit()
    assert partner_login(app, world.p1).get(f"/portal/handouts/{session.id}.pdf").data == original  # not yet

    therapist = clinician_login(app, world.clinician)
    response = therapist.post_form(f"/sessions/{session.id}/corrected", {"reason": "Zqreason new crisis line"})
    assert response.status_code == 302
    corrected = partner_login(app, world.p2).get(f"/portal/handouts/{session.id}.pdf").data
    assert "Zqcorrectedcrisis" in text_of(corrected) and "Zqcorrectedcrisis" not in text_of(original)
    assert therapist.get(f"/sessions/{session.id}/versions/couple/1.pdf").data == original
    assert b"Updated" in partner_login(app, world.p1).get("/portal/").data

    assert sorted(m.to[0] for m in outbox) == ["alex@example.com", "sam@example.com"]
    for message in outbox:
        body = message.body + message.alternatives[0][0]
        assert "updated handout" in body and "/portal/" in body
        for private in ("Zqsummary", "Zqfocus", "Zqreason", "Zqcorrectedcrisis", "Sam" if "alex" in message.to[0] else "Alex"):
            assert private not in body
    step = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.record_type == "TherapySession")).all()
    assert {"step": "handout_corrected", "version": 2} in step
    listed = frozen.versions(session)["couple"]
    assert [(d.version, d.reason, d.reason_text) for d in listed] == [(1, "signed", ""), (2, "corrected", "Zqreason new crisis line")]


def test_a_corrected_handout_needs_a_reason(app, world, outbox):
    session = signed_session(world, release=True)
    response = clinician_login(app, world.clinician).post_form(f"/sessions/{session.id}/corrected", {"reason": " "})
    assert response.status_code == 200 and b"Please say what was corrected" in response.data
    assert [d.version for d in frozen.versions(session)["couple"]] == [1] and outbox == []


def test_withdrawing_a_release_takes_the_handout_away_and_is_in_the_audit_trail(app, world):
    session = signed_session(world, release=True)
    alex = partner_login(app, world.p1)
    assert alex.get(f"/portal/handouts/{session.id}.pdf").status_code == 200
    therapist = clinician_login(app, world.clinician)
    assert b"Withdraw release" in therapist.get(f"/sessions/{session.id}").data

    assert therapist.post_form(f"/sessions/{session.id}/withdraw").status_code == 302
    assert alex.get(f"/portal/handouts/{session.id}.pdf").status_code == 404
    assert partner_login(app, world.p2).get(f"/portal/handouts/{session.id}.pdf").status_code == 404
    assert f"/portal/handouts/{session.id}.pdf".encode() not in alex.get("/portal/").data
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "change", AuditEvent.record_id == session.id)
                              .order_by(AuditEvent.id.desc()))
    assert event.detail == {"step": "handout_withdrawn", "version": 1} and event.actor_id == world.clinician.id

    assert therapist.post_form(f"/sessions/{session.id}/release").status_code == 302  # and back again
    assert alex.get(f"/portal/handouts/{session.id}.pdf").status_code == 200


def test_a_session_signed_before_documents_were_kept_is_frozen_on_first_need(app, world):
    session = signed_session(world, release=True, focus="Zqlegacy")
    add_amendment(session, world.clinician, "Zqoldamendment")
    db.session.execute(SessionDocument.__table__.delete())  # what the 0010 migration leaves for old sessions
    session.handout_version = None
    db.session.commit()
    therapist = clinician_login(app, world.clinician)
    assert b"signed before Twofold kept frozen copies" in therapist.get(f"/sessions/{session.id}").data

    first = partner_login(app, world.p1).get(f"/portal/handouts/{session.id}.pdf").data
    listed = frozen.versions(session)
    assert [(d.version, d.reason) for d in listed["clinician"]] == [(1, "frozen_later"), (2, "amendment")]
    assert [(d.version, d.reason) for d in listed["couple"]] == [(1, "frozen_later")]
    db.session.refresh(session)
    assert session.handout_version == 1
    world.clinician.practice.name = "Zqlaterpractice"
    db.session.commit()
    assert partner_login(app, world.p2).get(f"/portal/handouts/{session.id}.pdf").data == first
    latest = text_of(therapist.get(f"/sessions/{session.id}/clinician.pdf").data)
    assert "Zqlegacy" in latest and "Zqoldamendment" in latest and "Zqlaterpractice" not in latest


def test_frozen_documents_are_encrypted_at_rest_and_never_rewritten(app, world):
    session = signed_session(world, focus="Zqsecretfocus")
    raw = db.session.execute(text("SELECT html, pdf, reason_text FROM session_documents")).all()
    assert len(raw) == 2
    for html, pdf, _ in raw:
        assert "Zqsecretfocus" not in html and "%PDF" not in pdf and "<html" not in html
    document = frozen.current(session, "clinician")
    assert "Zqsecretfocus" in document.html
    document.pdf = b"%PDF-forged"
    with pytest.raises(ValueError, match="frozen"):
        db.session.commit()
    db.session.rollback()


def test_a_version_number_is_never_taken_twice(app, world):
    session = signed_session(world)
    clinician_copy = frozen.current(session, "clinician")
    db.session.add(SessionDocument(session_id=session.id, kind="clinician", version=clinician_copy.version,
                                   reason="amendment", html="x", pdf=b"x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_amendments_and_two_first_downloads_at_once_make_distinct_versions(app, world):
    session = signed_session(world, release=True)
    session_id, clinician_id = session.id, world.clinician.id
    db.session.execute(SessionDocument.__table__.delete())  # two first-need freezes will race
    db.session.commit()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work(kind: str, number: int) -> None:
        try:
            with app.app_context():
                from practice.models import Clinician

                barrier.wait(timeout=30)  # before any query: on SQLite a transaction holds the write lock
                mine = db.session.get(TherapySession, session_id)
                if kind == "amend":
                    add_amendment(mine, db.session.get(Clinician, clinician_id), f"Zqrace{number}")
                else:
                    frozen.freeze(mine)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(kind, n)) for n, kind in enumerate(("amend", "amend", "get", "get"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    frozen.freeze(db.session.get(TherapySession, session_id))  # anything a loser left for later is caught up
    rows = db.session.execute(select(SessionDocument.kind, SessionDocument.version, SessionDocument.amendment_id)
                              .where(SessionDocument.session_id == session_id)).all()
    clinician = sorted(r.version for r in rows if r.kind == "clinician")
    assert clinician == [1, 2, 3] and sorted(r.version for r in rows if r.kind == "couple") == [1]
    assert len({r.amendment_id for r in rows if r.amendment_id}) == 2
    latest = text_of(frozen.current(db.session.get(TherapySession, session_id), "clinician").pdf)
    assert "Zqrace0" in latest and "Zqrace1" in latest
