"""`flask report` writes a session PDF and records the export; `seed-demo` brings sessions to show."""

from __future__ import annotations

from sqlalchemy import func, select

from practice.extensions import db
from practice.models import AuditEvent, Couple, Partner, SessionDocument, TherapySession
from tests.reading import pdf_pages
from tests.homework_helpers import world  # noqa: F401
from tests.session_helpers import signed_session


def test_report_writes_the_couple_handout_and_records_a_system_export(runner, world, tmp_path):
    session = signed_session(world, couple_summary="A summary for you both")
    out = tmp_path / "handout.pdf"
    result = runner.invoke(args=["report", str(session.id), "--copy", "couple", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"session 1 (couple #{world.couple.id})" in result.output and "Alex" not in result.output
    text = "\n".join(pdf_pages(out.read_bytes()))
    assert "A summary for you both" in text and "Confidential" not in text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert (event.actor_kind, event.actor_id, event.record_id) == ("system", None, session.id)
    assert event.practice_id == world.clinician.practice_id and event.couple_id == world.couple.id
    assert event.detail == {"copy": "couple", "version": 1}


def test_report_explains_an_unknown_session_or_a_bad_option_and_writes_nothing(runner, world, tmp_path):
    session = signed_session(world)
    out = tmp_path / "x.pdf"
    unknown = runner.invoke(args=["report", "999999", "--copy", "clinician", "-o", str(out)])
    assert unknown.exit_code == 1 and "There is no session #999999." in unknown.output
    bad = runner.invoke(args=["report", str(session.id), "--copy", "everything", "-o", str(out)])
    assert bad.exit_code == 2 and "'everything' is not one of 'clinician', 'couple'" in bad.output
    missing = runner.invoke(args=["report", str(session.id), "--copy", "clinician"])
    assert missing.exit_code == 2 and "--output" in missing.output
    nowhere = runner.invoke(args=["report", str(session.id), "--copy", "clinician", "-o", str(tmp_path / "no" / "x.pdf")])
    assert nowhere.exit_code == 1 and "No PDF was written" in nowhere.output
    assert not out.exists() and db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is None


def test_seed_demo_records_signed_sessions_with_homework_an_amendment_and_released_handouts(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    couple = db.session.scalar(select(Couple).join(Partner).where(Partner.email == "demo.alex@example.com"))
    sessions = db.session.scalars(select(TherapySession).where(TherapySession.couple_id == couple.id)
                                  .order_by(TherapySession.number)).all()
    signed = [s for s in sessions if s.is_signed]
    assert len(signed) >= 2 and any(not s.is_signed for s in sessions)
    assert all(s.homework_assigned and s.couple_summary and s.signed_by_id == couple.clinician_id for s in signed)
    assert any(s.homework_reviewed for s in signed) and any(s.amendments for s in signed)
    released = [s for s in sessions if s.is_released]
    assert released and all(s.is_signed for s in released)
    reviewed = next(s for s in signed if s.homework_reviewed)
    day = reviewed.local_start(couple.clinician.practice.timezone).date()
    assert all(a.due_date <= day for a in reviewed.homework_reviewed)

    # The demo's signed notes are frozen as Sign and lock freezes them: the amended one has two clinician versions.
    stored = db.session.execute(select(SessionDocument.session_id, SessionDocument.kind, SessionDocument.version)).all()
    for s in signed:
        mine = sorted((kind, version) for session_id, kind, version in stored if session_id == s.id)
        assert mine == [("clinician", n) for n in range(1, 2 + len(s.amendments))] + [("couple", 1)]
    assert all(s.handout_version == 1 for s in released)
    dated = dict(db.session.execute(select(SessionDocument.amendment_id, func.max(SessionDocument.created_at))
                                    .group_by(SessionDocument.amendment_id)).all())
    assert all(dated[a.id] == a.created_at for s in signed for a in s.amendments)  # dated as the story has it
    assert dated[None] <= max(s.signed_at for s in signed)  # not the minute the demo was seeded

    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    assert len(db.session.scalars(select(TherapySession)).all()) == len(sessions)
    assert db.session.scalar(select(func.count()).select_from(SessionDocument)) == len(stored)

    browser = app.test_client()
    browser.post_form("/portal/login", {"email": "demo.alex@example.com", "password": "demo-password-123"})
    assert f"/portal/handouts/{released[0].id}.pdf".encode() in browser.get("/portal/").data
    pdf = browser.get(f"/portal/handouts/{released[-1].id}.pdf")
    assert pdf.status_code == 200 and "Riverbend Couples Therapy" in pdf_pages(pdf.data)[0]
