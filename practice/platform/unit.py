"""Ending a read before slow work: drawing a PDF or talking to a mail server holds no transaction.

A request's reads run in a transaction of their own (practice.platform.database). That
costs nothing while it lasts milliseconds, but a PDF render or an SMTP
conversation can take seconds, and on PostgreSQL an open transaction holds
back vacuum while on SQLite it pins the WAL snapshot. So slow work follows a
pattern: load what it needs (the filled HTML, the message) inside the read,
`end_read()`, do the work with no transaction open, then store the result in
a short `writing()` unit of work.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from practice.platform.database import UnitOfWorkError, end_transaction, is_writing


def end_read(session: Session | None = None) -> None:
    """End the session's read transaction; what it loaded is expired and reloads on next use.

    Refuses inside `writing()` (the slow work would hold the write lock) and
    with changes pending (ending the read would commit them unannounced).
    """
    if session is None:
        from practice.extensions import db

        session = db.session()  # the request's Session itself: the scoped proxy has no in_transaction()
    if is_writing(session):
        raise UnitOfWorkError("Slow work was started inside writing(); end the unit of work first.")
    if session.new or session.dirty or session.deleted:
        raise UnitOfWorkError("Changes are pending outside writing(); they would be committed by ending the read.")
    end_transaction(session)
