"""Synthetic therapy sessions: a signed note every fortnight, linked to the homework around it.

Session j of a couple (0 = the newest) took place 14·j + 2 days ago. It set
the couple's homework k = j and talked through homework k = j + 1, which was
due before it, so the clinician copy has answers side by side and the
handout has new homework, as in a real record. The newest session of every
couple is a draft; the others are signed, with the handout released.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, update

from bench.data import Build, insert_rows
from practice.demo.sessions import SESSIONS
from practice.domain import Attendance, SessionFormat
from practice.models import Assignment, TherapySession
from practice.models.sessions import session_reviewed_homework

NOTES = [demo for demo in SESSIONS if demo.signed]


def sessions(build: Build) -> None:
    """Every couple's sessions, then which homework each reviewed and set."""
    rows, reviewed, assigned = [], [], []
    for couple_id in range(1, build.size.couples + 1):
        clinician_id = (couple_id - 1) % build.size.clinicians + 1
        count = build.size.sessions_of(couple_id)
        for j in range(count):
            session_id = len(rows) + 1
            rows.append(_session(build, session_id, couple_id, clinician_id, number=count - j, age=j))
            if j < build.size.assignments_per_couple:
                assigned.append({"row_id": _assignment_id(build, couple_id, j), "session": session_id})
            if j + 1 < build.size.assignments_per_couple:
                reviewed.append({"session_id": session_id, "assignment_id": _assignment_id(build, couple_id, j + 1)})
            if couple_id == 1 and j < 2:
                build.ids["draft_session" if j == 0 else "signed_session"] = session_id
    insert_rows(build.connection, TherapySession, rows)
    if reviewed:
        build.connection.execute(session_reviewed_homework.insert(), reviewed)
    if assigned:
        table = Assignment.__table__
        build.connection.execute(
            update(table).where(table.c.id == bindparam("row_id")).values(session_id=bindparam("session")), assigned
        )


def _assignment_id(build: Build, couple_id: int, k: int) -> int:
    """The id the homework generator gave a couple's k-th newest assignment."""
    return (couple_id - 1) * build.size.assignments_per_couple + k + 1


def _session(build: Build, session_id: int, couple_id: int, clinician_id: int, number: int, age: int) -> dict:
    rng = build.rng
    starts = (build.now - timedelta(days=14 * age + 2)).replace(hour=17, minute=0, second=0)
    note = NOTES[number % len(NOTES)]
    signed = starts + timedelta(hours=2) if age else None
    return {
        "id": session_id, "couple_id": couple_id, "clinician_id": clinician_id, "number": number,
        "starts_at": starts, "minutes": 50, "format": rng.choice(list(SessionFormat)).value,
        "attended": Attendance.BOTH.value if rng.random() < 0.9 else Attendance.PARTNER1.value,
        "focus": build.encrypt(note.focus), "interventions": [i.value for i in note.interventions],
        "interventions_other": build.encrypt(""), "observations": build.encrypt(note.observations),
        "plan": build.encrypt(note.plan), "couple_summary": build.encrypt(note.summary), "handout_progress": "",
        "signed_at": signed, "signed_by_id": clinician_id if signed else None, "handout_released_at": signed,
        "version": 1, "created_at": starts, "updated_at": signed or starts,
    }
