"""Signed records that never change: the frozen versions of a signed session's two PDFs.

At Sign and lock both documents are filled, drawn and stored (HTML and PDF, encrypted) as version 1
of the clinician copy and the couple handout; downloads send those bytes, so nothing later alters
what was signed. An amendment adds a clinician-copy version (the previous HTML plus the dated
amendment); a corrected handout is a new couple version, released with the partners told. Sessions
signed before documents were kept are frozen at first need ("frozen_later").

Drawing takes a second or more, too long to hold SQLite's only write lock, so freezing is
optimistic: fill and draw with no transaction open, then store in one short `writing()` that locks
the session rows and re-checks the stored versions, planning again if another request froze first.
So two versions are never made; `(session_id, kind, version)` is unique as a last guard. A failed
drawing stores nothing and raises; the session stays signed and is frozen at its next need.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.orm import load_only
from werkzeug.exceptions import NotFound

from practice import audit, sharing
from practice.documents import session_pdfs
from practice.documents.attachments import Attachment
from practice.documents.session_pdfs import amendments_mark
from practice.domain import DomainError
from practice.extensions import db
from practice.models import Clinician, SessionAmendment, SessionDocument, TherapySession, utcnow
from practice.pdf import render_documents
from practice.platform.database import writing
from practice.platform.unit import end_read
from practice.platform.urls import public_url_for

log = logging.getLogger(__name__)

KINDS = session_pdfs.COPIES  # "clinician", "couple"
# Where amendments go in a frozen clinician copy, with the time zone it was frozen in and how many it holds.
# The couple handout's check-in section, between marks the template leaves.
SCORES = re.compile(r"<!--twofold:scores-->.*?<!--/twofold:scores-->", re.S)
MARK = re.compile(r'<!--twofold:amendments zone="(?P<zone>[A-Za-z0-9_+\-/]+)" count=(?P<count>\d+)-->')
LISTED = (SessionDocument.id, SessionDocument.session_id, SessionDocument.kind, SessionDocument.version,
          SessionDocument.reason, SessionDocument.reason_text, SessionDocument.amendment_id,
          SessionDocument.created_at, SessionDocument.created_by_id)


FREEZE_ATTEMPTS = 3  # plans made again after losing a race, before leaving the rest to the next need


@dataclass
class _Planned:
    session_id: int
    kind: str
    version: int
    reason: str
    html: str
    created_by_id: int | None
    amendment_id: int | None = None
    reason_text: str = ""


Stored = frozenset[tuple[int, str, int]]  # (session_id, kind, version) of every stored document a plan built on


def freeze(session: TherapySession, by: Clinician | None = None, *, reason: str = "frozen_later") -> None:
    """Store whatever is missing of a signed session's documents (drawn outside any transaction), and commit.

    Version 1 of each copy if there is none yet (`reason` says why now), then
    one clinician-copy version per amendment that no version holds yet.
    """
    freeze_many([session], by, reason=reason)


def freeze_many(sessions: Iterable[TherapySession], by: Clinician | None = None, *, reason: str = "frozen_later") -> None:
    """`freeze` for many sessions at once, their PDFs drawn side by side (the record export)."""
    ids = [s.id for s in sessions if s.is_signed]
    if not ids:
        return
    by_id = by.id if by is not None else None
    for _attempt in range(FREEZE_ATTEMPTS):
        if not _missing(ids):
            return
        planned, stored = _plan(ids, by_id, reason)
        pdfs = _draw([p.html for p in planned])
        with writing():
            _lock(ids)
            if _stored(ids) == stored:  # nobody froze anything while we drew: ours are the next versions
                _add(planned, pdfs)
                return
    log.warning("sessions %s: other requests kept freezing the same documents; the next need stores the rest", ids)


def current(session: TherapySession, kind: str) -> SessionDocument:
    """The latest version of a signed session's copy, frozen now if it never was."""
    freeze(session)
    return _one(session, kind, None)


def version_or_404(session: TherapySession, kind: str, version: int) -> SessionDocument:
    """One stored version of a copy, or 404."""
    if session.is_signed:
        freeze(session)
    return _one(session, kind, version)


def released(session: TherapySession) -> SessionDocument:
    """The couple version the partners may download (the session's query already made sure it is released)."""
    if session.handout_version is None:  # released before documents were kept: freeze and pin version 1
        freeze(session)
        with writing():
            db.session.execute(
                TherapySession.__table__.update()
                .where(TherapySession.id == session.id, TherapySession.handout_version.is_(None))
                .values(handout_version=1)
            )
        db.session.refresh(session, ["handout_version"])
    return _one(session, "couple", session.handout_version)


def for_partners(session: TherapySession) -> tuple[SessionDocument, bytes]:
    """The released version and the bytes a partner gets of it today.

    Once the sharing rule no longer allows a frozen handout's scores, partners get the same pages drawn
    without them (never stored, nobody told); if that fails the download fails: no scored fallback.
    """
    document = released(session)
    if not SCORES.search(document.html):
        return document, document.pdf
    if sharing.checkin_scores_decision(session.couple, utcnow()).allowed:
        return document, document.pdf
    [pdf] = _draw([SCORES.sub("", document.html)])
    return document, pdf


def versions(session: TherapySession) -> dict[str, list[SessionDocument]]:
    """Every stored version of each copy, oldest first, without their (encrypted) files."""
    rows = db.session.scalars(
        select(SessionDocument).where(SessionDocument.session_id == session.id)
        .options(load_only(*LISTED, raiseload=True))
        .order_by(SessionDocument.kind, SessionDocument.version)
    )
    listed: dict[str, list[SessionDocument]] = {kind: [] for kind in KINDS}
    for row in rows:
        listed[row.kind].append(row)
    return listed


def release(session: TherapySession) -> None:
    """Let both partners download the latest couple version from their portal."""
    if not session.is_signed:
        raise DomainError("Please sign the note first, so the handout can't change once the couple has it.")
    freeze(session)
    with writing():
        _lock([session.id])
        if session.is_released:  # read under the lock: released by another tab while we waited
            return
        session.handout_released_at = utcnow()
        session.handout_version = _latest_version(session.id, "couple")
        audit.record(audit.AuditAction.CHANGE, record=session,
                     detail={"step": "handout_released", "version": session.handout_version})


def withdraw(session: TherapySession) -> None:
    """Take the handout out of the partners' portal; it can be released again later."""
    with writing():
        _lock([session.id])
        if not session.is_released:  # read under the lock: another tab may have withdrawn it
            raise DomainError("This handout isn't released, so there is nothing to withdraw.")
        withdrawn = session.handout_version
        session.handout_released_at = None
        session.handout_version = None
        audit.record(audit.AuditAction.CHANGE, record=session,
                     detail={"step": "handout_withdrawn", "version": withdrawn})


def release_corrected(session: TherapySession, by: Clinician, reason_text: str) -> SessionDocument:
    """Freeze a new couple version from today's record, release it in place of the old, and tell the partners."""
    if not session.is_signed:
        raise DomainError("Please sign the note first; until then the handout is still a draft.")
    freeze(session, by)
    by_id, ids = by.id, [session.id]
    for _attempt in range(FREEZE_ATTEMPTS):
        stored = _stored(ids)
        html = session_pdfs.copy_html(session, "couple")
        version = _latest_version(session.id, "couple") + 1
        [pdf] = _draw([html])
        with writing():
            _lock(ids)
            if _stored(ids) != stored:  # another request stored a version while we drew: number ours again
                continue
            [document] = _add([_Planned(session.id, "couple", version, "corrected", html, by_id,
                                        reason_text=reason_text)], [pdf])
            session.handout_released_at = utcnow()
            session.handout_version = version
            audit.record(audit.AuditAction.CREATE, record=document, couple_id=session.couple_id)
            audit.record(audit.AuditAction.CHANGE, record=session,
                         detail={"step": "handout_corrected", "version": version})
        _tell_partners(session)
        return document
    raise DomainError("Other changes to this handout kept arriving while it was drawn. Please try again.")


def _tell_partners(session: TherapySession) -> None:
    """An email to each partner who can sign in: a handout changed, and where to find it. Nothing clinical."""
    from practice.platform.mail import (  # the mail module reaches the job queue; keep imports light
        Regarding,
        send_templated,
    )

    link = public_url_for("portal.home", _anchor="handouts-heading")
    for partner in session.couple.partners:
        if partner.email and partner.is_active:
            try:  # each message is stored in its own short unit of work, then queued (practice.platform.mail)
                send_templated(partner.email, "An updated handout from your therapist", "handout_corrected",
                               partner=partner, link=link,
                               regarding=Regarding(practice_id=session.couple.clinician.practice_id,
                                                   partner_id=partner.id,
                                                   topic=f"handout_corrected:{session.id}:{partner.id}"))
            except Exception:  # the portal note still tells them; a refused email must not undo the release
                log.exception("could not tell partner %s about a corrected handout", partner.id)


def _missing(ids: list[int]) -> bool:
    """Whether any session lacks a first version or a version for one of its amendments (no lock needed)."""
    firsts = db.session.scalar(
        select(func.count()).select_from(SessionDocument)
        .where(SessionDocument.session_id.in_(ids), SessionDocument.version == 1)
    )
    if firsts < len(KINDS) * len(ids):
        return True
    uncovered = db.session.scalar(
        select(func.count()).select_from(SessionAmendment)
        .where(SessionAmendment.session_id.in_(ids),
               SessionAmendment.id.not_in(select(SessionDocument.amendment_id)
                                          .where(SessionDocument.amendment_id.is_not(None))))
    )
    return bool(uncovered)


def _lock(ids: list[int]) -> None:
    db.session.execute(
        select(TherapySession.id).where(TherapySession.id.in_(ids)).order_by(TherapySession.id).with_for_update()
    )


def _stored(ids: list[int]) -> Stored:
    return frozenset(tuple(row) for row in db.session.execute(
        select(SessionDocument.session_id, SessionDocument.kind, SessionDocument.version)
        .where(SessionDocument.session_id.in_(ids))
    ))


def _plan(ids: list[int], by_id: int | None, reason: str) -> tuple[list[_Planned], Stored]:
    """What to store, and the stored versions it builds on: first versions, then each missing amendment."""
    # Read whole: a partner's request loaded only the columns its handout list needs.
    sessions = list(db.session.scalars(
        select(TherapySession).where(TherapySession.id.in_(ids)).order_by(TherapySession.id)
        .execution_options(populate_existing=True)
    ))
    have = db.session.execute(
        select(SessionDocument.session_id, SessionDocument.kind, SessionDocument.version, SessionDocument.amendment_id)
        .where(SessionDocument.session_id.in_(ids))
    ).all()
    amendments = db.session.scalars(
        select(SessionAmendment).where(SessionAmendment.session_id.in_(ids))
        .order_by(SessionAmendment.created_at, SessionAmendment.id)
    ).all()
    planned = []
    for session in sessions:
        mine = [row for row in have if row.session_id == session.id]
        latest: dict[str, int] = {kind: max((r.version for r in mine if r.kind == kind), default=0) for kind in KINDS}
        clinician_html = None
        for kind in KINDS:
            if latest[kind] == 0:
                html = session_pdfs.copy_html(session, kind, frozen=True)
                planned.append(_Planned(session.id, kind, 1, reason, html, by_id))
                latest[kind] = 1
                if kind == "clinician":
                    clinician_html = html
        covered = {r.amendment_id for r in mine if r.amendment_id is not None}
        for amendment in amendments:
            if amendment.session_id != session.id or amendment.id in covered:
                continue
            if clinician_html is None:
                clinician_html = _one(session, "clinician", latest["clinician"]).html
            clinician_html = with_amendment(clinician_html, amendment)
            latest["clinician"] += 1
            planned.append(_Planned(session.id, "clinician", latest["clinician"], "amendment", clinician_html,
                                    amendment.author_id, amendment_id=amendment.id))
    return planned, frozenset((row.session_id, row.kind, row.version) for row in have)


def with_amendment(html: str, amendment: SessionAmendment) -> str:
    """A frozen clinician copy with one more dated amendment written in, and nothing else changed."""
    found = MARK.search(html)
    if found is None:
        raise ValueError("this clinician copy has no place for amendments")
    zone, count = found["zone"], int(found["count"])
    part = render_template("pdf/_amendments.html", amendments=[amendment], heading=count == 0, zone=zone)
    return "".join((html[:found.start()], str(part), str(amendments_mark(zone, count + 1)), html[found.end():]))


def _draw(htmls: list[str]) -> list[bytes]:
    """The PDFs of filled documents, drawn side by side once the read transaction has ended."""
    end_read()
    return list(render_documents(htmls))


def _add(planned: list[_Planned], pdfs: list[bytes]) -> list[SessionDocument]:
    """Add a row for every drawn document, inside the caller's `writing()`."""
    rows = [
        SessionDocument(
            session_id=plan.session_id, kind=plan.kind, version=plan.version, reason=plan.reason,
            reason_text=plan.reason_text, amendment_id=plan.amendment_id, html=plan.html, pdf=pdf,
            created_by_id=plan.created_by_id,
        )
        for plan, pdf in zip(planned, pdfs, strict=True)
    ]
    db.session.add_all(rows)
    db.session.flush()  # ids for the audit trail
    return rows


def _latest_version(session_id: int, kind: str) -> int:
    return db.session.scalar(
        select(func.max(SessionDocument.version))
        .where(SessionDocument.session_id == session_id, SessionDocument.kind == kind)
    ) or 0


def _one(session: TherapySession, kind: str, version: int | None) -> SessionDocument:
    query = select(SessionDocument).where(SessionDocument.session_id == session.id, SessionDocument.kind == kind)
    query = query.order_by(SessionDocument.version.desc()) if version is None else query.where(
        SessionDocument.version == version)
    document = db.session.scalar(query.limit(1).execution_options(populate_existing=True))
    if document is None:
        raise NotFound()
    return document


def signed_session_pdfs(couple) -> Iterator[Attachment]:
    """Every frozen version of both copies of every signed session, for the couple's record export.

    Sessions signed before documents were kept are frozen first, drawn on every core.
    """
    signed = (select(TherapySession)
              .where(TherapySession.couple_id == couple.id, TherapySession.signed_at.is_not(None))
              .order_by(TherapySession.number))
    freeze_many(db.session.scalars(signed))
    for session in list(db.session.scalars(signed)):  # loaded again at once: freezing ended the read they came from
        listed = versions(session)
        for copy in session_pdfs.COPIES:
            for row in listed[copy]:
                pdf = db.session.scalar(select(SessionDocument.pdf).where(SessionDocument.id == row.id))
                yield Attachment(f"sessions/{session_pdfs.filename(session, copy, row.version)}", "application/pdf", pdf)
