"""`flask backup` and `flask restore`: a round trip on SQLite, refusals, and the PostgreSQL path."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from practice.extensions import db
from practice.models import Couple
from tests.factories import make_clinician, make_couple

pytestmark = pytest.mark.asvs("8.1.5")


@pytest.fixture()
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's online backup; PostgreSQL uses pg_dump")


def invoke(runner, *args):
    db.session.rollback()  # free SQLite's write lock for the command
    return runner.invoke(args=list(args))


def couple_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Couple.id)))


def test_backup_and_restore_round_trip(sqlite_only, runner, tmp_path):
    clinician = make_clinician()
    make_couple(clinician)
    backup = tmp_path / "twofold-backup.db"
    result = invoke(runner, "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    make_couple(clinician, names=("Added", "Later"))
    refused = invoke(runner, "restore", str(backup))
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert couple_count() == 2

    result = invoke(runner, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert couple_count() == 1
    live = Path(db.engine.url.database)
    kept = next(live.parent.glob(f"{live.name}.before-restore-*"))
    assert str(kept) in result.output
    with sqlite3.connect(kept) as replaced:
        assert replaced.execute("SELECT count(*) FROM couples").fetchone() == (2,)
    assert invoke(runner, "audit", "verify").exit_code == 0


def test_backup_runs_during_a_write_and_holds_only_committed_data(sqlite_only, runner, tmp_path):
    make_couple(make_clinician())
    db.session.rollback()
    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE couples SET status = 'closed'")
    try:
        result = invoke(runner, "backup", str(tmp_path / "during.db"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "during.db") as copy:
        assert copy.execute("SELECT status FROM couples").fetchall() == [("active",)]


def test_backup_never_overwrites_a_file(sqlite_only, runner, tmp_path):
    existing = tmp_path / "existing.db"
    existing.write_text("precious")
    result = invoke(runner, "backup", str(existing))
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_text() == "precious"


def test_restore_refuses_anything_but_a_twofold_database(sqlite_only, runner, tmp_path):
    make_couple(make_clinician())
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database at all")
    for candidate in (other, text_file, tmp_path / "missing.db"):
        result = invoke(runner, "restore", str(candidate), "--yes")
        assert result.exit_code != 0
        assert "not a Twofold database" in result.output or "does not exist" in result.output
    assert couple_count() == 1


def test_on_postgresql_backup_explains_pg_dump(app, runner, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL path")
    result = invoke(runner, "backup", str(tmp_path / "backup.dump"))
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert not (tmp_path / "backup.dump").exists()
