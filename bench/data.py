"""Synthetic practices, written with bulk Core inserts into a fresh, migrated database.

Rows carry explicit ids, so no insert has to read ids back; encrypted
columns hold real Fernet tokens, encrypted once per distinct payload and
reused, since encrypting 100,000 identical answers would only time Fernet.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography.fernet import MultiFernet
from sqlalchemy import Column, Connection, MetaData, Table, Text, create_engine, insert, text

from config import normalise_database_url
from practice.demo.homework import answers_for
from practice.domain import Area, CoupleStatus, ResponseStatus, Sharing, Stage
from practice.library.loader import load_builtins
from practice.models import (
    Assignment,
    Clinician,
    Couple,
    Exercise,
    ExerciseArea,
    ExerciseVersion,
    Partner,
    Practice,
    Response,
)
from practice.platform.crypto import EncryptedText
from practice.platform.sealed import place

PASSWORD = "bench-password-123"
BATCH = 5_000
NAMES = (
    "Alex Sam Robin Lee Jordan Casey Morgan Riley Avery Quinn Jamie Taylor Drew Emery Rowan Sasha Noor Priya "
    "Mateo Lucía Zoë Łukasz José Aiko Kenji Amara Kwame Ines Omar Leila Nils Freya Tomás Ana Yusuf Mei Hana "
    "Dmitri Olga Ravi Anjali Sean Aoife Callum Isla Owen Ffion Bram Saskia"
).split()


@dataclass(frozen=True)
class Size:
    """How big a synthetic practice is; every couple gets the same amount of homework."""

    name: str
    clinicians: int
    couples: int
    assignments_per_couple: int
    sessions_per_couple: int = 10
    checkin_weeks: int = 15  # weekly check-ins per partner
    long_record: int = 51  # sessions of the benched couple: 50 signed, whose record is exported, and a draft

    @property
    def assignments(self) -> int:
        return self.couples * self.assignments_per_couple

    @property
    def responses(self) -> int:
        return self.assignments * 2  # every assignment goes to both partners

    @property
    def sessions(self) -> int:
        return (self.couples - 1) * self.sessions_per_couple + self.long_record

    @property
    def checkins(self) -> int:
        return self.couples * 2 * self.checkin_weeks

    def sessions_of(self, couple_id: int) -> int:
        return self.long_record if couple_id == 1 else self.sessions_per_couple

    def counts(self) -> dict[str, int]:
        """The row counts people compare against the brief."""
        return {"clinicians": self.clinicians, "couples": self.couples, "partners": self.couples * 2,
                "assignments": self.assignments, "responses": self.responses, "sessions": self.sessions,
                "check-ins": self.checkins}


@dataclass
class Build:
    """What every generator is handed: a connection in its own transaction, and the run's shared state."""

    connection: Connection
    size: Size
    fernet: MultiFernet
    password_hash: str
    rng: random.Random = field(default_factory=lambda: random.Random(20261201))
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    ids: dict[str, object] = field(default_factory=dict)  # what pages need: the benched couple, partner, ...
    versions: list[dict] = field(default_factory=list)  # exercise versions, for homework
    starts: dict[int, date] = field(default_factory=dict)  # each couple's start date, for check-in periods

    @property
    def today(self) -> date:
        return self.now.date()

    def encrypt(self, value: str) -> str:
        """A real Fernet token, cached per distinct plaintext."""
        return _encrypt(self.fernet, value)

    def seal(self, value, table: str, column: str, row_id: int, bound: dict[str, object]) -> str:
        """A sealed token, as practice.platform.sealed.seal writes it, bound to its row (never cached: rows differ)."""
        plain = json.dumps([place(table, column, row_id, bound), value], ensure_ascii=False, separators=(",", ":"))
        return self.fernet.encrypt(plain.encode()).decode()


@cache
def _encrypt(fernet: MultiFernet, value: str) -> str:
    return fernet.encrypt(value.encode()).decode()


# Databases -------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """A fresh database the app can be pointed at."""

    dialect: str
    url: str


@contextmanager
def fresh_database(dialect: str) -> Iterator[Database]:
    """An empty SQLite file, or a private schema on TEST_DATABASE_URL; removed afterwards."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="twofold-bench-") as folder:
            yield Database("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}")
        return
    url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in url else "?"
        yield Database("postgresql", f"{url}{separator}options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def finish(connection: Connection) -> None:
    """Move PostgreSQL's id sequences past the explicit ids, and refresh planner statistics."""
    if connection.dialect.name == "postgresql":
        for table in ("practices", "clinicians", "exercises", "exercise_versions", "couples", "partners",
                      "assignments", "responses", "therapy_sessions", "checkins", "safety_answers", "safety_flags"):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            ))
    connection.execute(text("ANALYZE"))


# Bulk inserts ------------------------------------------------------------------


@cache
def _raw(table: Table) -> Table:
    """The table with encrypted columns as plain text, so tokens made here are stored as they are."""
    columns = [Column(c.name, Text if isinstance(c.type, EncryptedText) else c.type, default=c.default)
               for c in table.columns]
    return Table(table.name, MetaData(), *columns)


def insert_rows(connection: Connection, model, rows: Iterable[dict]) -> int:
    """executemany in batches; returns how many rows went in."""
    table, batch, total = _raw(model.__table__), [], 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            total, batch = total + len(batch), []
    if batch:
        connection.execute(insert(table), batch)
        total += len(batch)
    return total


# Generators --------------------------------------------------------------------


def practice_and_clinicians(build: Build) -> None:
    """One group practice; clinician 1 owns it and is the one the pages are measured as."""
    stamps = {"created_at": build.now, "updated_at": build.now}
    insert_rows(build.connection, Practice, [{
        "id": 1, "name": "Harbour Couples Practice", "address": "12 Quay Street\nBristol BS1 4DJ",
        "phone": "0117 496 0000", "timezone": "Europe/London", "version": 1,
        "crisis_resources": "Samaritans: 116 123 (free, any time)\nEmergency: 999", **stamps,
    }])
    insert_rows(build.connection, Clinician, ({
        "id": n, "practice_id": 1, "name": f"{build.rng.choice(NAMES)} Clinician{n}", "credentials": "MFT",
        "email": f"clinician{n}@bench.example", "password_hash": build.password_hash, "is_owner": n == 1,
        "active": True, "session_token": secrets.token_hex(16), **stamps,
    } for n in range(1, build.size.clinicians + 1)))
    build.ids["clinician_email"] = "clinician1@bench.example"


def library(build: Build) -> None:
    """The built-in exercises, and an adapted copy of each as the practice's own."""
    exercise_id = version_id = 0
    exercises, versions, areas = [], [], []
    for practice_id in (None, 1):
        for slug, content in load_builtins().items():
            exercise_id += 1
            version_id += 1
            data = content.as_data()
            if practice_id:
                data["title"] = f"{data['title']} (our version)"[:120]
            exercises.append({
                "id": exercise_id, "slug": None if practice_id else slug, "practice_id": practice_id,
                "created_by_id": practice_id, "latest_number": 1, "version": 1,
                "created_at": build.now, "updated_at": build.now,
            })
            versions.append({"id": version_id, "exercise_id": exercise_id, "number": 1,
                             "content_hash": content.content_hash(), "created_at": build.now, **data})
            areas += [{"version_id": version_id, "area": area} for area in data["areas"]]
    insert_rows(build.connection, Exercise, exercises)
    insert_rows(build.connection, ExerciseVersion, versions)
    insert_rows(build.connection, ExerciseArea, areas)
    build.versions = versions


def couples_and_partners(build: Build) -> None:
    """Couples spread over the clinicians; every partner can sign in to the portal."""
    rng, size = build.rng, build.size
    statuses = [CoupleStatus.ACTIVE.value] * 8 + [CoupleStatus.PAUSED.value, CoupleStatus.CLOSED.value]
    couples, partners = [], []
    for n in range(1, size.couples + 1):
        status = CoupleStatus.ACTIVE.value if n == 1 else rng.choice(statuses)
        activity = build.now - timedelta(hours=rng.randint(1, 24 * 120))
        couples.append({
            "id": n, "clinician_id": (n - 1) % size.clinicians + 1, "version": 1,
            "concerns": rng.sample([a.value for a in Area], rng.randint(1, 3)),
            "stage": rng.choice([s.value for s in Stage]), "start_date": build.today - timedelta(days=rng.randint(30, 700)),
            "status": status, "closed_at": activity if status == CoupleStatus.CLOSED.value else None,
            "last_activity_at": activity, "created_at": build.now, "updated_at": build.now,
        })
        for position in (1, 2):
            partner_id = 2 * n - 2 + position
            partners.append({
                "id": partner_id, "couple_id": n, "position": position, "name": rng.choice(NAMES),
                "pronouns": "", "email": f"partner{partner_id}@bench.example", "password_hash": build.password_hash,
                "session_token": secrets.token_hex(16), "activated_at": build.now,
                "created_at": build.now, "updated_at": build.now,
            })
    insert_rows(build.connection, Couple, couples)
    build.starts = {couple["id"]: couple["start_date"] for couple in couples}
    insert_rows(build.connection, Partner, partners)
    build.ids |= {"couple": 1, "partner_email": "partner1@bench.example", "search": partners[0]["name"][:3].lower()}


def homework(build: Build) -> None:
    """Each couple's homework, newest first: one open exercise, then a year of mostly answered ones."""
    rng, size = build.rng, build.size
    assignments, responses = [], []
    for couple_id in range(1, size.couples + 1):
        clinician_id = (couple_id - 1) % size.clinicians + 1
        for k in range(size.assignments_per_couple):
            assignment_id = len(assignments) + 1
            version = rng.choice(build.versions)
            due = build.today + timedelta(days=5) - timedelta(days=14 * k + rng.randint(0, 6))
            days = next((p["days"] for p in version["prompts"] if p["type"] == "daily_log"), None)
            roles = {str(pos): role["key"] for pos, role in zip((1, 2), version["roles"])}
            states = _states(rng, k)
            submitted = [_submitted_at(build, due, pos) for pos, state in zip((1, 2), states) if state == "submitted"]
            reviewed = max(submitted) + timedelta(days=1) if submitted and k > 1 and rng.random() < 0.9 else None
            assignments.append({
                "id": assignment_id, "couple_id": couple_id, "exercise_version_id": version["id"],
                "assigned_by_id": clinician_id, "due_date": due, "starts_on": due - timedelta(days=7), "days": days,
                "note": build.encrypt(rng.choice(("", "", "Take your time with this one."))),
                "sharing": Sharing.SHARED_AFTER_BOTH.value if k == 1 or rng.random() < 0.2 else Sharing.PRIVATE.value,
                "roles": roles, "reviewed_at": reviewed,
                "review_comment": build.encrypt("Talk about the ratings." if reviewed else ""), "version": 1,
                "created_at": build.now, "updated_at": build.now,
            })
            for position, state in zip((1, 2), states):
                responses.append(_response(build, len(responses) + 1, assignment_id, couple_id, position, state,
                                           version, days, due))
            if couple_id == 1 and k == 0:
                build.ids["open_assignment"] = assignment_id
            if couple_id == 1 and "reviewed_assignment" not in build.ids and states == ("submitted", "submitted"):
                build.ids["reviewed_assignment"] = assignment_id
    insert_rows(build.connection, Assignment, assignments)
    insert_rows(build.connection, Response, responses)


def _states(rng: random.Random, k: int) -> tuple[str, str]:
    """The newest exercise is open; the one before was shared and sent by both, not yet reviewed;
    older ones are mostly sent, a few left as drafts or never started."""
    if k == 0:
        return (ResponseStatus.NOT_STARTED.value, ResponseStatus.DRAFT.value)
    if k == 1:
        return (ResponseStatus.SUBMITTED.value, ResponseStatus.SUBMITTED.value)
    choices = (ResponseStatus.SUBMITTED.value, ResponseStatus.DRAFT.value, ResponseStatus.NOT_STARTED.value)
    return tuple(rng.choices(choices, (85, 5, 10))[0] for _ in (1, 2))


def _submitted_at(build: Build, due: date, position: int) -> datetime:
    moment = datetime(due.year, due.month, due.day, 18 + position, tzinfo=UTC) - timedelta(days=position)
    return min(moment, build.now - timedelta(hours=position))


def _response(build: Build, response_id: int, assignment_id: int, couple_id: int, position: int, state: str,
              version: dict, days: int | None, due: date) -> dict:
    answered = state != ResponseStatus.NOT_STARTED.value
    submitted_at = _submitted_at(build, due, position) if state == ResponseStatus.SUBMITTED.value else None
    return {
        "id": response_id, "assignment_id": assignment_id, "partner_id": 2 * couple_id - 2 + position,
        "partner_position": position, "status": state, "answers": build.encrypt(_answers_json(version, position, days, answered)),
        "draft_saved_at": (submitted_at or build.now) - timedelta(hours=2) if answered else None,
        "submitted_at": submitted_at, "version": 1, "created_at": build.now, "updated_at": build.now,
    }


_PAYLOADS: dict[tuple, str] = {}


def _answers_json(version: dict, position: int, days: int | None, answered: bool) -> str:
    """Plausible answers in one partner's voice, as EncryptedJSON writes them; made once per kind."""
    key = (version["id"], position, days, answered)
    if key not in _PAYLOADS:
        payload = answers_for(version["prompts"], position, days or 0, days) if answered else {}
        _PAYLOADS[key] = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return _PAYLOADS[key]
