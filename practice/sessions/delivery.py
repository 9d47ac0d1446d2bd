"""How a session PDF leaves Twofold, as a download or an exported file: each one is recorded."""

from __future__ import annotations

from pathlib import Path

from flask import Response

from practice import audit
from practice.extensions import db
from practice.models import TherapySession
from practice.sessions import documents


def send_copy(session: TherapySession, copy: str) -> Response:
    """Render one copy for the signed-in person, record the download, and send it as an uncached attachment."""
    pdf = documents.render_copy(session, copy)
    headers = {
        "Content-Disposition": f'attachment; filename="{documents.filename(session, copy)}"',
        "Cache-Control": "no-store",
    }
    _record(audit.AuditAction.DOWNLOAD, session, copy)
    db.session.commit()
    return Response(pdf, mimetype="application/pdf", headers=headers)


def export_copy(session: TherapySession, copy: str, path: Path) -> None:
    """Render one copy to a file (the `report` command), recorded as an export."""
    path.write_bytes(documents.render_copy(session, copy))
    _record(audit.AuditAction.EXPORT, session, copy)
    db.session.commit()


def _record(action: audit.AuditAction, session: TherapySession, copy: str) -> None:
    # The practice is named outright: partners and the command line have none of their own.
    audit.record(action, record=session, practice_id=session.clinician.practice_id, detail={"copy": copy})
