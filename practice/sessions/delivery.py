"""How a session PDF leaves Twofold, as a download or an exported file: each one is recorded.

A signed session's PDFs are sent exactly as they were frozen (practice.sessions.frozen);
only a draft's are drawn from the live record, as a preview, with no transaction open
(session_pdfs.draw_copy). The download or export is recorded in its own short unit of work.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response

from practice import audit
from practice.documents import session_pdfs
from practice.models import SessionDocument, TherapySession
from practice.platform.database import writing
from practice.sessions import frozen


def send_copy(session: TherapySession, copy: str) -> Response:
    """The latest version of a copy for the signed-in clinician (a draft's drawn live), recorded and uncached."""
    if not session.is_signed:
        return _send(session, copy, session_pdfs.draw_copy(session, copy), None)
    return send_document(session, frozen.current(session, copy))


def send_released_handout(session: TherapySession) -> Response:
    """The handout version the partners were given, for a partner's portal (scores only while shared).

    The file name carries no version: which version a partner gets must not
    hint at anything the other partner chose.
    """
    document, pdf = frozen.for_partners(session)
    return _send(session, document.kind, pdf, document.version, named_version=False)


def send_document(session: TherapySession, document: SessionDocument) -> Response:
    """One stored version, byte for byte as it was frozen."""
    return _send(session, document.kind, document.pdf, document.version)


def export_copy(session: TherapySession, copy: str, path: Path) -> None:
    """Write one copy to a file (the `report` command), recorded as an export: as frozen once signed."""
    if session.is_signed:
        document = frozen.current(session, copy)
        pdf, version = document.pdf, document.version
    else:
        pdf, version = session_pdfs.draw_copy(session, copy), None
    path.write_bytes(pdf)
    with writing():
        _record(audit.AuditAction.EXPORT, session, copy, version)


def _send(session: TherapySession, copy: str, pdf: bytes, version: int | None, *, named_version: bool = True) -> Response:
    name = session_pdfs.filename(session, copy, version if named_version else None)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    with writing():
        _record(audit.AuditAction.DOWNLOAD, session, copy, version)
    return Response(pdf, mimetype="application/pdf", headers=headers)


def _record(action: audit.AuditAction, session: TherapySession, copy: str, version: int | None) -> None:
    # The practice is named outright: partners and the command line have none of their own.
    detail = {"copy": copy} if version is None else {"copy": copy, "version": version}
    audit.record(action, record=session, practice_id=session.clinician.practice_id, detail=detail)
