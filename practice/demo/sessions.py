"""Demo sessions for Alex & Sam: two signed notes with homework (one amended), both handouts released, and a draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from practice.domain import Attendance, Intervention, SessionFormat
from practice.extensions import db
from practice.models import Assignment, Clinician, Couple, SessionAmendment, SessionDocument, TherapySession
from practice.models.exercises import ExerciseVersion
from practice.platform.database import writing


@dataclass(frozen=True)
class DemoSession:
    days_ago: int
    format: SessionFormat
    focus: str
    interventions: tuple[Intervention, ...] = ()
    observations: str = ""
    plan: str = ""
    summary: str = ""
    reviewed: tuple[str, ...] = ()  # exercise slugs
    assigned: tuple[str, ...] = ()
    signed: bool = True
    amendment: str = ""


SESSIONS = (
    DemoSession(
        14, SessionFormat.IN_PERSON,
        focus="Mapping the pursue-withdraw cycle that shows up on weekday evenings after work.",
        interventions=(Intervention.TRACKING_CYCLE, Intervention.REFLECTING_EMOTION, Intervention.VALIDATION),
        observations="Sam pursues with questions and a rising voice when Alex goes quiet; Alex withdraws to the "
                     "garage to calm down. Both softened noticeably once the cycle was named as the shared problem.",
        plan="Stay with de-escalation: help Alex name what happens inside before withdrawing, and Sam the "
             "loneliness under the protest.",
        summary="Today we looked at the pattern that shows up between you on hard evenings: the more one of you "
                "reaches, the more the other steps back, and the lonelier you both feel. The pattern is the "
                "problem, not either of you. This week's homework helps you each notice it as it starts.",
        assigned=("seeing-our-cycle", "naming-our-cycle-together"),
    ),
    DemoSession(
        7, SessionFormat.VIDEO,
        focus="Reviewing the cycle homework; slowing down the moment Alex leaves the room.",
        interventions=(Intervention.TRACKING_CYCLE, Intervention.EVOCATIVE_RESPONDING, Intervention.HEIGHTENING,
                       Intervention.ENACTMENT),
        observations="In an enactment Alex told Sam directly: \"I go quiet because I'm scared of making it worse.\" "
                     "Sam's response was softer than either expected. Their closeness ratings are far apart (2 and 5).",
        plan="Build on the enactment; introduce a pause that does not feel like leaving.",
        summary="Thank you both for the homework: it helped us see the cycle in slow motion. Alex shared how "
                "frightening the quiet moments feel from the inside, and Sam heard it. This week, try a pause "
                "that doesn't feel like leaving: say you need a moment, and when you'll come back.",
        reviewed=("seeing-our-cycle", "naming-our-cycle-together"),
        assigned=("pausing-without-leaving", "the-feeling-underneath", "listening-to-understand"),
        amendment="Correction: the enactment came in the second half of the session, after the homework review.",
    ),
    DemoSession(
        1, SessionFormat.IN_PERSON,
        focus="How the pause went on two difficult evenings.",
        signed=False,
    ),
)


def seed_sessions(couple: Couple, clinician: Clinician, today: date) -> None:
    """Record the demo sessions, unless the couple already has some."""
    if db.session.scalar(select(TherapySession.id).where(TherapySession.couple_id == couple.id).limit(1)):
        return
    homework = _homework_by_slug(couple)
    zone = ZoneInfo(clinician.practice.timezone)
    for number, demo in enumerate(SESSIONS, start=1):
        start = datetime.combine(today - timedelta(days=demo.days_ago), time(17), tzinfo=zone).astimezone(UTC)
        session = TherapySession(
            couple=couple, clinician=clinician, number=number, starts_at=start, minutes=50,
            format=demo.format.value, attended=Attendance.BOTH.value, focus=demo.focus,
            interventions=[i.value for i in demo.interventions], observations=demo.observations,
            plan=demo.plan, couple_summary=demo.summary,
            homework_reviewed=[homework[slug] for slug in demo.reviewed if slug in homework],
            homework_assigned=[homework[slug] for slug in demo.assigned if slug in homework],
        )
        if demo.signed:
            session.signed_at = session.handout_released_at = start + timedelta(hours=2)
            session.signed_by = clinician
            session.handout_version = 1  # frozen by freeze_signed_sessions once everything is seeded
        if demo.amendment:
            amended = start + timedelta(days=2)
            session.amendments = [SessionAmendment(author=clinician, text=demo.amendment, created_at=amended)]
        db.session.add(session)


def freeze_signed_sessions(couple: Couple, clinician: Clinician) -> None:
    """Freeze the demo's signed notes as Sign and lock would have (idempotent), so the demo shows frozen versions."""
    from practice.sessions import frozen

    signed = list(db.session.scalars(
        select(TherapySession).where(TherapySession.couple_id == couple.id, TherapySession.signed_at.is_not(None))
    ))
    frozen.freeze_many(signed, clinician, reason="signed")
    # Date each version as the demo's story has it (signed, then amended days later), not the seeding minute.
    # A plain UPDATE: stored versions refuse ORM changes, and only their date is told differently here.
    documents = SessionDocument.__table__
    with writing():
        for session in signed:
            db.session.execute(update(documents).where(documents.c.session_id == session.id,
                                                       documents.c.amendment_id.is_(None))
                               .values(created_at=session.signed_at))
            for amendment in session.amendments:
                db.session.execute(update(documents).where(documents.c.amendment_id == amendment.id)
                                   .values(created_at=amendment.created_at))


def _homework_by_slug(couple: Couple) -> dict[str, Assignment]:
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.couple_id == couple.id)
        .options(joinedload(Assignment.exercise_version).joinedload(ExerciseVersion.exercise))
    )
    return {a.exercise_version.exercise.slug: a for a in assignments}
