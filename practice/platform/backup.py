"""`flask backup FILE` and `flask restore FILE`.

SQLite: SQLite's online backup API copies a consistent snapshot while the
app keeps serving (in WAL mode readers and the writer carry on). PostgreSQL:
`pg_dump` already does this well, so the commands explain it instead of
wrapping it. Data keys are never in a backup: keep them separately, or the
encrypted text in a backup cannot be read.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import click

from practice.extensions import db
from practice.models.base import utcnow

POSTGRES_HOWTO = """PostgreSQL is backed up with its own tools, which take a consistent snapshot while Twofold runs:
  pg_dump --format=custom --file FILE "$DATABASE_URL"
Restore (with Twofold stopped) into the same or an empty database:
  pg_restore --clean --if-exists --no-owner --dbname "$DATABASE_URL" FILE
(DATABASE_URL as a postgresql:// address; see the README's Security section.)"""


class BackupError(click.ClickException):
    """A backup or restore that must not go ahead; the message says why (and the command exits 1)."""


def live_database() -> Path:
    """The SQLite file the app uses, or BackupError explaining what to do instead."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise BackupError(POSTGRES_HOWTO)
    if not url.database or url.database == ":memory:":
        raise BackupError("This database lives only in memory; there is nothing to back up.")
    return Path(url.database)


def backup_to(target: Path) -> str:
    """Copy the live database into a new, owner-only file; return its schema revision."""
    live = live_database()
    if target.exists():
        raise BackupError(f"{target} already exists. Choose a new file name; nothing was overwritten.")
    draft = target.with_name(f".{target.name}.partial")
    os.close(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # owner-only from the start
    try:
        with closing(sqlite3.connect(live)) as source, closing(sqlite3.connect(draft)) as copy:
            source.backup(copy)
        revision = database_revision(draft)
        os.replace(draft, target)
    finally:
        draft.unlink(missing_ok=True)
    return revision


def database_revision(path: Path) -> str:
    """The schema revision of a sound Twofold SQLite file, or BackupError."""
    not_ours = f"{path} is not a Twofold database (no SQLite file with a Twofold schema version)."
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (SQLite's integrity check failed).")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise BackupError(not_ours) from None
    if row is None:
        raise BackupError(not_ours)
    return row[0]


def restore_from(source: Path) -> tuple[str, Path]:
    """Replace the live database with a checked backup, keeping a copy of what it replaces.

    Returns the backup's schema revision and where the replaced database was saved.
    """
    revision = database_revision(source)
    live = live_database()
    kept = live.with_name(f"{live.name}.before-restore-{utcnow():%Y%m%dT%H%M%SZ}")
    backup_to(kept)
    connection = db.engine.raw_connection()
    try:
        with closing(sqlite3.connect(source)) as backup:
            backup.backup(connection.driver_connection)  # one write transaction: all or nothing
    finally:
        connection.close()
    db.engine.dispose()  # no pooled connection keeps a view of the old file
    return revision, kept
