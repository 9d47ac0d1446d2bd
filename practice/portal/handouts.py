"""Couple handouts a partner may download: their own couple's, once the therapist released them.

As with homework, every query takes the signed-in partner and filters by
their couple inside the query; a guessed session id of another couple, or a
handout not yet released, is simply not found.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import load_only
from werkzeug.exceptions import NotFound

from practice.extensions import db
from practice.models import Partner, TherapySession
from practice.sessions.services import LIST_COLUMNS

# What rendering a handout reads of the session; its clinical note is never loaded.
HANDOUT_COLUMNS = (*LIST_COLUMNS, TherapySession.clinician_id, TherapySession.couple_summary, TherapySession.handout_progress)


def released_handouts(partner: Partner) -> list[TherapySession]:
    """The partner's couple's released handouts, latest session first (notes not loaded)."""
    return list(db.session.scalars(
        _released(partner).options(load_only(*LIST_COLUMNS)).order_by(TherapySession.starts_at.desc())
    ))


def released_handout_or_404(partner: Partner, session_id: int) -> TherapySession:
    """One released handout's session of the partner's own couple, or 404; reading its note would raise."""
    query = _released(partner).where(TherapySession.id == session_id)
    session = db.session.scalar(query.options(load_only(*HANDOUT_COLUMNS, raiseload=True)))
    if session is None:
        raise NotFound()
    return session


def _released(partner: Partner):
    return select(TherapySession).where(
        TherapySession.couple_id == partner.couple_id, TherapySession.handout_released_at.is_not(None)
    )
