"""No session PDF is drawn inside a transaction, and the frozen versions stay exactly right.

Drawing takes a second or more; on SQLite a request that held the write lock
that long would make everyone else wait. Every drawing here goes through a
probe that checks, while WeasyPrint would run, that the request's session has
no transaction open and (on SQLite) that another connection can take the
write lock at once.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from practice.documents import session_pdfs
from practice.extensions import db
from practice.models import AuditEvent, SessionDocument
from practice.sessions import frozen
from practice.sessions.services import add_amendment
from tests.homework_helpers import clinician_login, partner_login, world  # noqa: F401
from tests.reading import pdf_pages
from tests.session_helpers import record_session, signed_session
from tests.test_sessions_flow import note_form
from tests.test_sharing_canaries import SCORED, scored_world


class DrawingProbe:
    """Stands in for `render_documents` where sessions draw, checking the transactions, then draws for real."""

    def __init__(self, real):
        self.real = real
        self.drawn = 0
        self.during: list = []  # called once, in the middle of the first drawing (a racing request)

    def __call__(self, htmls):
        htmls = list(htmls)
        assert not db.session().in_transaction(), "a PDF was drawn inside an open transaction"
        if db.engine.url.get_backend_name() == "sqlite":
            other = sqlite3.connect(db.engine.url.database, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")  # raises "database is locked" if anyone holds the write lock
                other.rollback()
            finally:
                other.close()
        while self.during:
            self.during.pop()()
        pdfs = list(self.real(htmls))
        self.drawn += len(pdfs)
        return pdfs


@pytest.fixture
def probe(monkeypatch):
    drawing = DrawingProbe(frozen.render_documents)
    monkeypatch.setattr(frozen, "render_documents", drawing)
    monkeypatch.setattr(session_pdfs, "render_documents", drawing)
    return drawing


def stored(session_id: int) -> list[tuple[str, int, str]]:
    return [tuple(row) for row in db.session.execute(
        select(SessionDocument.kind, SessionDocument.version, SessionDocument.reason)
        .where(SessionDocument.session_id == session_id).order_by(SessionDocument.kind, SessionDocument.version)
    )]


def test_sign_and_lock_draws_both_copies_with_no_transaction_open(app, world, probe):
    session = record_session(world)
    therapist = clinician_login(app, world.clinician)
    form = note_form(therapist.get(f"/sessions/{session.id}").data) | {"sign": "Sign and lock", "focus": "The cycle"}
    assert therapist.post_form(f"/sessions/{session.id}", form).status_code == 302
    assert probe.drawn == 0  # asked to sign: saved as a draft, then confirmed
    db.session.refresh(session)
    assert therapist.post_form(f"/sessions/{session.id}/sign", {"version": session.version}).status_code == 302
    assert probe.drawn == 2
    assert stored(session.id) == [("clinician", 1, "signed"), ("couple", 1, "signed")]


def test_a_drafts_download_and_the_report_command_draw_with_no_transaction_open(app, world, probe, runner, tmp_path):
    session = record_session(world, focus="Zqdraftfocus")
    response = clinician_login(app, world.clinician).get(f"/sessions/{session.id}/clinician.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    out = tmp_path / "draft.pdf"
    result = runner.invoke(args=["report", str(session.id), "--copy", "couple", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and probe.drawn == 2
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_id == session.id,
                                                                 AuditEvent.action.in_(["download", "export"])))
    assert sorted(actions) == ["download", "export"]
    assert stored(session.id) == []  # a draft's copies are previews, never kept


def test_freezing_on_first_need_an_amendment_and_a_corrected_handout_draw_outside_transactions(app, world, probe):
    session = signed_session(world, release=True)
    db.session.execute(SessionDocument.__table__.delete())  # signed before documents were kept
    session.handout_version = None
    db.session.commit()
    probe.drawn = 0
    therapist = clinician_login(app, world.clinician)
    assert therapist.get(f"/sessions/{session.id}/clinician.pdf").status_code == 200
    assert probe.drawn == 2
    assert therapist.post_form(f"/sessions/{session.id}/amendments", {"text": "Zqlater"}).status_code == 302
    assert therapist.post_form(f"/sessions/{session.id}/corrected", {"reason": "A typo"}).status_code == 302
    assert probe.drawn == 4
    assert stored(session.id) == [("clinician", 1, "frozen_later"), ("clinician", 2, "amendment"),
                                  ("couple", 1, "frozen_later"), ("couple", 2, "corrected")]


@pytest.mark.slow  # several seconds of drawing
def test_a_partners_handout_without_its_scores_is_drawn_outside_transactions(app, probe):
    world, session = scored_world()
    partner = partner_login(app, world.p2)
    assert partner.post_form("/portal/sharing", {"shares": "no"}).status_code == 302  # the scores must go
    before = probe.drawn
    response = partner.get(f"/portal/handouts/{session.id}.pdf")
    assert response.status_code == 200 and SCORED not in "".join(pdf_pages(response.data))
    assert probe.drawn == before + 1


@pytest.mark.slow  # several seconds of drawing
def test_a_request_that_froze_the_same_documents_while_we_drew_wins_and_nothing_is_doubled(app, world, probe):
    session = signed_session(world)
    add_amendment(session, world.clinician, "Zqfirst")
    db.session.execute(SessionDocument.__table__.delete())
    db.session.commit()
    session_id = session.id

    def racing_request():
        with app.app_context():  # another request, its own session, freezing the same session meanwhile
            frozen.freeze(db.session.get(type(session), session_id), reason="frozen_later")

    probe.during.append(racing_request)
    probe.drawn = 0
    response = clinician_login(app, world.clinician).get(f"/sessions/{session_id}/clinician.pdf")
    assert response.status_code == 200
    assert stored(session_id) == [("clinician", 1, "frozen_later"), ("clinician", 2, "amendment"),
                                  ("couple", 1, "frozen_later")]
    assert probe.drawn == 6  # ours (three, dropped) and the racing request's (three, kept)
    kept = db.session.scalar(select(SessionDocument.pdf).where(SessionDocument.session_id == session_id,
                                                              SessionDocument.kind == "clinician",
                                                              SessionDocument.version == 2))
    assert response.data == kept


def test_a_failed_drawing_at_signing_stores_nothing_and_the_next_need_stores_them(app, world, monkeypatch):
    from practice.pdf import PdfTimeout

    def refused(htmls):
        raise PdfTimeout("This PDF took longer than 60 seconds to make, so it was stopped.")

    monkeypatch.setattr(frozen, "render_documents", refused)
    session = signed_session(world)
    db.session.refresh(session)
    assert session.is_signed and stored(session.id) == []
    assert db.session.scalar(select(func.count()).select_from(SessionDocument)) == 0
    monkeypatch.undo()
    assert clinician_login(app, world.clinician).get(f"/sessions/{session.id}/couple.pdf").status_code == 200
    assert stored(session.id) == [("clinician", 1, "frozen_later"), ("couple", 1, "frozen_later")]
