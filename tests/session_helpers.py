"""Sessions for tests, recorded through the real services as the therapist's forms would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time, timedelta

from sqlalchemy import event

from practice.extensions import db
from practice.models import TherapySession
from practice.sessions.services import NoteDraft, SessionDetails, create_session, release_handout, save_draft, sign
from tests.homework_helpers import World

NOTES = {
    "focus": "", "interventions": [], "interventions_other": "", "observations": "", "plan": "",
    "couple_summary": "", "reviewed": None, "assigned": None,
}


def details(days_ago: int = 0, **fields) -> SessionDetails:
    values = {"day": date.today() - timedelta(days=days_ago), "at": time(10, 0), "minutes": 50,
              "format": "in_person", "attended": "both"} | fields
    return SessionDetails(**values)


def record_session(world: World, *, couple=None, days_ago: int = 0, **notes) -> TherapySession:
    """A session for the world's couple (or `couple`), with any note fields saved as a draft."""
    session = create_session(couple or world.couple, world.clinician, details(days_ago))
    if notes:
        save_draft(session, session.version, draft(session, **notes))
    return session


def draft(session: TherapySession, **notes) -> NoteDraft:
    """The session's note as a form would post it, with `notes` changed; links stay unless given."""
    values = NOTES | notes
    for links, linked in (("reviewed", session.homework_reviewed), ("assigned", session.homework_assigned)):
        if values[links] is None:
            values[links] = [a.id for a in linked]
    start = session.starts_at  # test practices keep time in UTC
    return NoteDraft(details=details((date.today() - start.date()).days, at=start.time()), **values)


def signed_session(world: World, *, couple=None, release: bool = False, **notes) -> TherapySession:
    """A signed session (focus filled in unless given), its handout released if asked."""
    session = record_session(world, couple=couple, days_ago=notes.pop("days_ago", 0))
    sign(session, world.clinician, session.version, draft(session, **{"focus": "Seeing the cycle"} | notes))
    if release:
        release_handout(session)
    return session


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def listener(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
