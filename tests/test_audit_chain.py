"""The trail is append-only and hash-chained: tampering is refused, or found by `audit verify`."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from practice import audit
from practice.extensions import db
from practice.models import AuditEvent, AuditImmutableError
from practice.platform.database import writing
from tests.audit_helpers import audit_events

pytestmark = pytest.mark.asvs("7.3.3")


def append(count: int) -> None:
    """`count` events, each in its own unit of work, as services write them."""
    for n in range(count):
        with writing():
            audit.record("view", record_type="Couple", record_id=n)


def verify(runner):
    db.session.rollback()  # free SQLite's write lock for the command
    return runner.invoke(args=["audit", "verify"])


def raw_sql(statement: str, **params) -> None:
    """Change the table as someone with database access would, past the ORM and PostgreSQL's trigger."""
    db.session.rollback()
    with db.engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        connection.execute(text(statement), params)
        if postgres:
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))


def test_an_untouched_trail_verifies(runner, app):
    append(3)
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "intact: 3 events" in result.output
    assert audit_events()[-1].hash in result.output


def test_each_event_links_to_the_one_before(app):
    append(3)
    first, second, third = audit_events()
    assert first.prev_hash == "0" * 64
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)


def test_several_events_in_one_transaction_chain_in_order(app):
    for n in range(3):
        audit.record("view", record_type="Couple", record_id=n)
    db.session.commit()
    events = audit_events()
    assert [e.record_id for e in events] == [0, 1, 2]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_an_altered_event_is_named(runner, app):
    append(3)
    altered = audit_events()[1]
    raw_sql("UPDATE audit_events SET record_id = 99 WHERE id = :id", id=altered.id)
    result = verify(runner)
    assert result.exit_code != 0
    assert f"broken at event #{altered.id}" in result.output and "altered" in result.output


def test_a_removed_event_is_found_at_the_next_one(runner, app):
    append(3)
    _, removed, following = audit_events()
    raw_sql("DELETE FROM audit_events WHERE id = :id", id=removed.id)
    result = verify(runner)
    assert result.exit_code != 0
    assert f"broken at event #{following.id}" in result.output


def test_the_orm_refuses_to_change_or_delete_an_event(app):
    append(1)
    (event,) = audit_events()
    event.remote_addr = "198.51.100.1"
    with pytest.raises(AuditImmutableError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AuditImmutableError):
        db.session.commit()
    db.session.rollback()
    for statement in (update(AuditEvent).values(record_id=1), delete(AuditEvent)):
        with pytest.raises(AuditImmutableError):
            db.session.execute(statement)
    db.session.rollback()
    assert len(audit_events()) == 1


def test_postgresql_refuses_raw_updates_and_deletes(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    append(1)
    for statement in ("UPDATE audit_events SET record_id = 1", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(text(statement))


def test_concurrent_writers_keep_one_unbroken_chain(runner, app):
    start, errors = threading.Barrier(3), []

    def writer() -> None:
        with app.app_context():
            start.wait()
            try:
                append(15)
            except Exception as error:  # reported below, with the thread's failure
                errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(runner)
    assert result.exit_code == 0 and "intact: 45 events" in result.output, result.output
