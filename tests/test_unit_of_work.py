"""The unit of work (issue 15): reads take no write lock, writes are short and explicit, the trail misses nothing.

These run on the suite's SQLite file database in WAL mode (conftest), where
locking is real: a second connection is a second reader or writer. The
locking tests are SQLite's; the others hold on PostgreSQL too.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

import pytest
from flask import make_response
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from practice import audit
from practice.audit.chain import verify_stored
from practice.domain import DomainError, Stage
from practice.extensions import db
from practice.models import AuditAction, Clinician, Couple
from practice.platform import database
from practice.platform.database import UnitOfWorkError, job_unit_of_work, strict_scope, writing
from practice.platform.jobqueue import _in_context
from practice.practices import services as practice_services
from practice.rules.versioning import save_versioned
from tests.audit_helpers import audit_events
from tests.factories import make_clinician, make_couple
from tests.logins import login
from tests.route_helpers import fresh_world, prepare, route_keys, url_of
from tests.test_authorisation_matrix import EXPECTED, REQUEST_ORDER

QUICKLY = 3.0  # seconds: far under the 15 s busy timeout a blocked request would wait


def sqlite_only():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock is what this is about")


@contextmanager
def holding_the_write_lock(app):
    """Another worker inside `writing()`, holding SQLite's write lock until the block ends."""
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        with app.app_context(), writing():
            db.session.execute(text("UPDATE practices SET phone = 'held' WHERE 1 = 0"))
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    assert inside.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_read_request_runs_while_a_writer_holds_the_lock(app, logged_in, clinician):
    sqlite_only()
    make_couple(clinician)
    db.session.rollback()
    with holding_the_write_lock(app):
        page, seconds = timed(lambda: logged_in.get("/dashboard"))
    assert page.status_code == 200
    assert seconds < QUICKLY


def test_a_write_commits_while_a_read_transaction_is_open(app, logged_in, clinician):
    sqlite_only()
    before, name = clinician.name, select(Clinician.name).where(Clinician.id == clinician.id)
    reader = Session(bind=db.engine)
    try:
        assert reader.scalar(name) == before  # a read transaction, open on its own connection
        form = {"name": "Dr Renamed", "credentials": "", "submit": "Save"}
        saved, seconds = timed(lambda: logged_in.post_form("/account/", form))
        assert saved.status_code == 302 and seconds < QUICKLY
        assert reader.scalar(name) == before  # still its own snapshot: WAL let it run beside the writer
    finally:
        reader.close()
    db.session.rollback()
    assert db.session.get(Clinician, clinician.id).name == "Dr Renamed"


def test_views_and_refusals_are_recorded_for_pages_404s_and_403s(app, client):
    owner = make_clinician(owner=True)
    clinician = make_clinician(owner.practice)
    couple = make_couple(clinician)
    login(client, clinician)
    assert client.get(f"/couples/{couple.id}").status_code == 200
    assert client.get("/couples/987654").status_code == 404
    assert client.get("/practice/").status_code == 403
    viewed = audit_events(AuditAction.VIEW.value)
    assert [(e.record_type, e.record_id, e.actor_id) for e in viewed] == [("Couple", couple.id, clinician.id)]
    refused = audit_events(AuditAction.ACCESS_REFUSED.value)
    assert [(e.record_type, e.record_id) for e in refused] == [("Couple", 987654), (None, None)]
    assert refused[1].detail == {"endpoint": "practices.profile"}
    report = verify_stored(db.session)
    assert report.broken_at is None and report.checked == len(audit_events())


def test_a_failed_unit_of_work_stores_neither_its_change_nor_its_event_while_the_view_is_kept(app):
    couple = make_couple(make_clinician())
    with app.test_request_context(f"/couples/{couple.id}"):
        audit.viewed(couple)
        with pytest.raises(RuntimeError):
            with writing():
                couple.stage = Stage.CONSOLIDATION.value
                audit.record(AuditAction.CHANGE, record=couple)
                db.session.flush()  # the event is sealed into the chain, then everything is undone
                raise RuntimeError("the service failed after recording")
        app.process_response(make_response("the error page"))
    db.session.rollback()
    assert db.session.get(Couple, couple.id).stage == Stage.DEESCALATION.value
    assert [e.action for e in audit_events()] == [AuditAction.VIEW.value]
    assert verify_stored(db.session).broken_at is None


def test_a_refused_reassignment_moves_nothing_and_records_no_move(app, client):
    owner = make_clinician(owner=True)
    leaving, staying = make_clinician(owner.practice), make_clinician(owner.practice)
    first, second = make_couple(leaving, ("A", "B")), make_couple(leaving, ("C", "D"))
    with pytest.raises(DomainError):  # the first couple's move is recorded before the second one is refused
        practice_services.deactivate(leaving, {first.id: staying.id, second.id: leaving.id})
    db.session.rollback()
    assert {c.clinician_id for c in db.session.scalars(select(Couple))} == {leaving.id}
    assert db.session.get(Clinician, leaving.id).active
    assert audit_events(AuditAction.CHANGE.value) == []


def test_the_page_is_withheld_when_the_trail_cannot_be_written(app, client, clinician):
    sqlite_only()
    couple = make_couple(clinician)
    login(client, clinician)
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TRIGGER trail_full BEFORE INSERT ON audit_events "
                                "BEGIN SELECT RAISE(ABORT, 'the trail is full'); END"))
    try:
        page = client.get(f"/couples/{couple.id}")
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER trail_full"))
    assert page.status_code == 503
    assert couple.partner(1).name.encode() not in page.data
    assert b"short break" in page.data


@pytest.fixture()
def strict(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRICT_UNIT_OF_WORK", True)


def test_strict_a_flush_outside_writing_raises_in_a_request_and_in_a_job(app, strict, clinician):
    for scope in (lambda: app.test_request_context("/"), strict_scope):
        with scope():
            db.session.get(Clinician, clinician.id).name = "Stray"
            with pytest.raises(UnitOfWorkError):
                db.session.flush()
            db.session.rollback()
            with writing():
                db.session.get(Clinician, clinician.id).name = "Meant"
    db.session.rollback()
    assert db.session.get(Clinician, clinician.id).name == "Meant"


def test_strict_a_job_run_by_the_queue_is_held_to_it(app, strict, clinician):
    def stray_job(clinician_id: int) -> None:
        db.session.get(Clinician, clinician_id).name = "Stray"
        db.session.flush()

    with pytest.raises(UnitOfWorkError):
        _in_context(app, stray_job, job_unit_of_work)(clinician.id)  # the wrapper Huey runs every task in


@pytest.fixture()
def production(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRICT_UNIT_OF_WORK", False)
    monkeypatch.setattr(database, "_warned_origins", set())  # as in a freshly started worker


def stored_name(clinician_id: int) -> str:
    """The name as committed, read on a connection of its own."""
    with db.engine.connect() as connection:
        return connection.execute(select(Clinician.name).where(Clinician.id == clinician_id)).scalar_one()


def test_a_stray_write_is_traced_to_the_place_in_the_package_that_made_it():
    """Warnings are given once per origin: an origin that lost its path would silence all but the first."""
    from practice.rules.versioning import saved_unless_conflict

    seen = []
    saved_unless_conflict(None, None, lambda: seen.append(database._origin()))
    assert seen and seen[0].startswith("practice/rules/versioning.py:") and seen[0].endswith("in saved_unless_conflict")


def test_without_strict_a_stray_flush_proceeds_and_is_reported_once_with_its_origin(app, production, clinician,
                                                                                   caplog):
    with app.test_request_context("/"), caplog.at_level(logging.WARNING, logger="practice.platform.database"):
        for name in ("Stray one", "Stray two"):
            db.session.get(Clinician, clinician.id).name = name
            db.session.flush()
        app.process_response(make_response("saved", 200))  # the after_request hooks, as the response goes out
    warnings = [r.getMessage() for r in caplog.records if "outside writing()" in r.getMessage()]
    assert len(warnings) == 2 and "outside the practice package" in warnings[0]  # this test is not practice code
    assert "was committed as the work succeeded" in warnings[1]
    assert stored_name(clinician.id) == "Stray two"


@pytest.mark.parametrize("status", [400, 500])
def test_without_strict_a_stray_flush_in_a_request_that_failed_is_rolled_back(app, production, clinician, status):
    before = clinician.name
    with app.test_request_context("/"):
        db.session.get(Clinician, clinician.id).name = "Half done"
        db.session.flush()
        app.process_response(make_response("went wrong", status))
        assert stored_name(clinician.id) == before
        with writing():  # a later unit of work in the same context commits only its own change
            db.session.get(Clinician, clinician.id).email = "later@example.com"
    assert stored_name(clinician.id) == before


def test_without_strict_a_stray_flush_is_committed_when_the_next_unit_of_work_begins_and_says_so(
        app, production, clinician, caplog):
    with app.test_request_context("/"), caplog.at_level(logging.WARNING, logger="practice.platform.database"):
        db.session.get(Clinician, clinician.id).name = "Stray"
        db.session.flush()
        with pytest.raises(DomainError), writing():
            raise DomainError("the unit of work that followed was refused")
        app.process_response(make_response("refused", 400))
    assert stored_name(clinician.id) == "Stray"  # committed before that unit began, as the log says
    assert any("committed as the next unit of work began" in r.getMessage() for r in caplog.records)


def test_without_strict_a_kept_stray_flush_has_its_requests_views_recorded_too(app, production, clinician):
    before = len(audit_events())
    with app.test_request_context("/"):
        viewed = db.session.get(Clinician, clinician.id)
        viewed.name = "Stray"
        db.session.flush()
        audit.viewed(viewed)
        assert app.process_response(make_response("saved", 200)).status_code == 200
    assert stored_name(clinician.id) == "Stray" and len(audit_events()) == before + 1


@pytest.mark.parametrize("fails", [False, True])
def test_without_strict_a_stray_flush_in_a_job_is_kept_only_if_the_job_returns(app, production, clinician, fails):
    before = clinician.name

    def stray_job(clinician_id: int) -> None:
        db.session.get(Clinician, clinician_id).name = "From a job"
        db.session.flush()
        if fails:
            raise RuntimeError("the job went wrong after its stray write")

    try:
        _in_context(app, stray_job, job_unit_of_work)(clinician.id)
    except RuntimeError:
        assert fails
    assert stored_name(clinician.id) == (before if fails else "From a job")


def test_save_versioned_joins_the_callers_unit_of_work_only(app, clinician):
    practice = clinician.practice
    with pytest.raises(UnitOfWorkError):
        save_versioned(practice, practice.version, {"phone": "0"})
    with writing():
        save_versioned(practice, practice.version, {"phone": "01632 960000"})
        assert not db.session.dirty  # flushed here, so a racing save is a conflict raised here
    db.session.rollback()
    assert practice.phone == "01632 960000"


def test_every_read_page_for_everyone_takes_the_write_lock_only_to_append_to_the_trail(app, strict):
    """Each GET of the access matrix, as each person: any write transaction holds audit rows only, begun IMMEDIATE."""
    sqlite_only()
    routes, world = route_keys(app), fresh_world()
    transactions: dict[int, list[str]] = {}
    finished: list[list[str]] = []

    def statement(conn, _cursor, sql: str, *_args) -> None:
        transactions.setdefault(id(conn.connection.dbapi_connection), []).append(sql)

    def ended(conn) -> None:
        finished.append(transactions.pop(id(conn.connection.dbapi_connection), []))

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", ended)
    event.listen(db.engine, "rollback", ended)
    try:
        for key in sorted(k for k in EXPECTED if k.startswith("GET ") and k in routes):
            with app.test_request_context():
                url = url_of(routes[key], world.values)
            for role in REQUEST_ORDER:
                browser = app.test_client()
                prepare(browser, world.logins.get(role))
                browser.get(url).close()
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", ended)
        event.remove(db.engine, "rollback", ended)
    writes = [t for t in finished if any(_writes(sql) for sql in t)]
    assert writes, "the matrix's couple pages and refusals should have appended to the trail"
    wrong = [t for t in writes if t[0] != "BEGIN IMMEDIATE"
             or not all(sql.startswith("INSERT INTO audit_events") for sql in t if _writes(sql))]
    assert wrong == []
    assert not any(t and t[0] == "BEGIN IMMEDIATE" for t in finished if t not in writes)


def _writes(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
