"""Exporting a couple's record: what the ZIP holds, that the JSON round-trips, and what never leaves."""

from __future__ import annotations

import hashlib
import json
import zipfile
from io import BytesIO

import pytest
from sqlalchemy import select

from practice.extensions import db
from practice.models import AuditEvent, SessionDocument
from practice.pdf.render import render_pdfs_bounded
from practice.records import export as exporter
from practice.records.schema import SCHEMA_VERSION, CoupleRecord
from tests.checkin_helpers import fill_in
from tests.homework_helpers import FULL_ANSWERS, clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.test_homework_flow import answer


def download(app, world) -> tuple[zipfile.ZipFile, object]:
    """Start the export job, follow it to its progress page, and download the ZIP it offers."""
    therapist = clinician_login(app, world.clinician)
    started = therapist.post_form(f"/couples/{world.couple.id}/export")
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    status = therapist.get(started.headers["Location"] + "/status").json
    assert status["status"] == "done", status
    response = therapist.get(status["download_url"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(BytesIO(response.data)), response


@pytest.fixture()
def full_record(app, world):
    """A couple with homework answered, check-ins, a flagged safety answer and a few audit events."""
    assignment = give_homework(world)
    alex, sam = partner_login(app, world.p1), partner_login(app, world.p2)
    answer(alex, assignment.id, "submit", FULL_ANSWERS | {"q_story": "alex-homework-words"})
    fill_in(alex, "submit", safety="no", note="alex-checkin-words")
    fill_in(sam, "submit", safety="yes", note="sam-checkin-words")
    clinician_login(app, world.clinician).get(f"/couples/{world.couple.id}")
    return assignment


def test_the_zip_holds_every_record_and_it_round_trips(app, world, full_record):
    archive, response = download(app, world)
    assert set(archive.namelist()) == {"record.json", "record.schema.json"}
    assert f"twofold-couple-{world.couple.id}-" in response.headers["Content-Disposition"]
    raw = archive.read("record.json")
    record = CoupleRecord.model_validate_json(raw)
    assert CoupleRecord.model_validate_json(record.model_dump_json()) == record
    assert record.format.version == SCHEMA_VERSION and record.format.name == "twofold.couple-record"

    assert [p.name for p in record.partners] == ["Alex", "Sam"] and record.couple.id == world.couple.id
    assert record.exported_by.id == world.clinician.id
    (assignment,) = record.assignments
    assert assignment.id == full_record.id and assignment.note == "Take your time with this one."
    assert {r.partner_id: r.answers.get("story") for r in assignment.responses}[world.p1.id] == "alex-homework-words"
    (version,) = record.exercise_versions
    assert version.id == assignment.exercise_version_id and version.title == "Every kind of question"
    assert {c.note_to_therapist for c in record.checkins} == {"alex-checkin-words", "sam-checkin-words"}
    assert all(c.ratings["trust"] == 3 for c in record.checkins)
    assert sorted(a.answer["items"]["afraid"] for a in record.safety_answers) == ["no", "yes"]
    (flag,) = record.safety_flags
    assert flag.partner_id == world.p2.id and flag.acknowledged_at is None
    assert any(e.action == "view" and e.record_type == "Couple" for e in record.audit_events)


def test_the_schema_file_documents_the_json(app, world, full_record):
    archive, _ = download(app, world)
    schema = json.loads(archive.read("record.schema.json"))
    record = json.loads(archive.read("record.json"))
    assert schema["title"] == "CoupleRecord" and set(schema["required"]) <= set(record)
    assert set(record) == set(schema["properties"])


def test_no_secret_leaves_in_the_export(app, world, full_record):
    archive, _ = download(app, world)
    text = archive.read("record.json").decode()
    db.session.refresh(world.p1)
    for secret in (world.p1.password_hash, world.p1.session_token, world.clinician.password_hash,
                   world.clinician.session_token):
        assert secret not in text
    assert "password" not in text and "token" not in text
    assert "Robin" not in text  # another couple of the same clinician


def test_the_export_is_recorded_in_the_audit_trail(app, world, full_record):
    download(app, world)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.record_type == "Couple" and event.couple_id == world.couple.id
    assert event.actor_id == world.clinician.id and event.detail == {"schema_version": SCHEMA_VERSION, "files": 0}


def test_attachment_sources_add_files_that_the_json_vouches_for(app, world, monkeypatch):
    def session_pdfs(couple):
        yield exporter.Attachment(f"sessions/couple-{couple.id}-session-1.pdf", "application/pdf", b"%PDF-1.7 demo")

    monkeypatch.setattr(exporter, "ATTACHMENT_SOURCES", (session_pdfs,))
    archive, _ = download(app, world)
    path = f"sessions/couple-{world.couple.id}-session-1.pdf"
    assert archive.read(path) == b"%PDF-1.7 demo"
    (listed,) = CoupleRecord.model_validate_json(archive.read("record.json")).files
    assert (listed.path, listed.size, listed.sha256) == (path, 13, hashlib.sha256(b"%PDF-1.7 demo").hexdigest())


@pytest.mark.parametrize("path", ["../escape.pdf", "/etc/passwd", "record.json", "a\\b.pdf"])
def test_an_attachment_cannot_escape_or_overwrite(app, world, monkeypatch, path):
    monkeypatch.setattr(exporter, "ATTACHMENT_SOURCES", (lambda couple: [exporter.Attachment(path, "x/y", b"")],))
    with pytest.raises(ValueError):
        exporter.collect_attachments(world.couple)


def test_signed_sessions_travel_as_both_pdfs_and_drafts_do_not(app, world):
    from tests.session_helpers import record_session, signed_session

    signed = signed_session(world, focus="Seeing the cycle together")
    record_session(world, days_ago=0)  # an unsigned draft stays out of the export
    archive, _ = download(app, world)
    pdfs = sorted(name for name in archive.namelist() if name.startswith("sessions/"))
    assert len(pdfs) == 2 and all(name.endswith(".pdf") for name in pdfs)
    assert any("clinician-copy" in name for name in pdfs) and any("handout" in name for name in pdfs)
    assert all(archive.read(name).startswith(b"%PDF") for name in pdfs)
    assert signed.number == 1


def test_many_sessions_render_side_by_side_and_each_pdf_is_its_own_session(app, world, monkeypatch):
    from practice.pdf import drawing as pdf_drawing
    from tests.reading import pdf_pages
    from tests.session_helpers import signed_session

    asked = []

    def spy(htmls, **options):
        asked.append(options["parallel"])
        return render_pdfs_bounded(htmls, **options)

    focuses = ["Naming the pursue-withdraw cycle", "A pause that is not leaving", "Reaching for each other"]
    for days_ago, focus in zip((21, 14, 7), focuses, strict=True):
        signed_session(world, days_ago=days_ago, focus=focus)
    # As if signed before Twofold froze documents: the export freezes them all first, side by side.
    db.session.execute(SessionDocument.__table__.delete())
    db.session.commit()
    monkeypatch.setattr(pdf_drawing, "render_pdfs_bounded", spy)
    monkeypatch.setitem(app.config, "PDF_RENDER_PARALLEL", 2)
    archive, _ = download(app, world)
    copies = sorted(name for name in archive.namelist() if "clinician-copy" in name)
    assert asked == [2] and len(copies) == 3
    for name, focus in zip(copies, focuses, strict=True):
        assert focus in " ".join(pdf_pages(archive.read(name))).replace("\n", " ")
    asked.clear()
    again, _ = download(app, world)  # now frozen: the export sends the stored files and draws nothing
    assert asked == [] and all(again.read(name) == archive.read(name) for name in copies)
