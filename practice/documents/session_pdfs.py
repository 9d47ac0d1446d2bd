"""The two PDFs of a session: the clinician's confidential copy and the couple's handout.

The handout is built from a `Handout`, which holds only what the couple may
read (their summary, the homework set for both of them, the practice's
crisis resources), so its template cannot reach the clinical note, answers,
amendments or anything given to one partner alone at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from practice import sharing
from practice.checkins.progress import couple_progress
from practice.extensions import db
from practice.homework.services import PromptRow, side_by_side
from practice.models import Assignment, Response, TherapySession, utcnow
from practice.models.sessions import session_reviewed_homework
from practice.pdf import fill_document, render_document, render_documents
from practice.pdf.charts import Completion, Series, completion_chart
from practice.platform.unit import end_read
from practice.practices.crisis import CrisisNumber, crisis_numbers
from practice.web.templating import isolate

COPIES = ("clinician", "couple")
CHART_SESSIONS = 6  # the completion chart covers this session and the ones before it


@dataclass(frozen=True)
class ReviewedHomework:
    """One assignment talked through in the session, with both partners' sent answers."""

    assignment: Assignment
    rows: list[PromptRow]


@dataclass(frozen=True)
class HandoutHomework:
    """A piece of new homework as the couple reads it."""

    title: str
    purpose: str
    instructions: str
    minutes: int
    due_date: date
    note: str
    shared: bool
    safety_line: bool  # the standard safety line goes with the instructions (templates/_macros/safety.html)


@dataclass(frozen=True)
class Handout:
    """Everything the couple handout may show; nothing else reaches its template."""

    couple_names: str
    number: int
    starts_at: datetime
    therapist: str
    summary: str
    homework: list[HandoutHomework]
    crisis_resources: str
    crisis_numbers: list[CrisisNumber]  # the practice's three lines, printed as plain numbers above its free text
    progress: object | None = None  # check-in figures, only when practice.sharing.couple_facing_progress allows
    progress_mode: str = ""


def render_copy(session: TherapySession, copy: str, *, bounded: bool = True) -> bytes:
    """The "clinician" or "couple" PDF of a session."""
    render = {"clinician": clinician_copy, "couple": couple_handout}[copy]
    return render(session, bounded=bounded)


def copy_html(session: TherapySession, copy: str, *, frozen: bool = False) -> str:
    """The filled template of a session's "clinician" or "couple" copy, for rendering many at once.

    `frozen` leaves the clinician copy's amendments out, with an invisible mark
    where practice.sessions.frozen writes each one into a later version.
    """
    template, context = {"clinician": clinician_document, "couple": handout_document}[copy](session)
    if copy == "clinician":
        context["frozen"] = frozen
    return fill_document(template, page_size=session.clinician.practice.page_size, **context)


def draw_copy(session: TherapySession, copy: str) -> bytes:
    """A copy drawn from the live record (a draft's preview): filled in the read, drawn once it has ended."""
    html = copy_html(session, copy)
    end_read()
    [pdf] = render_documents([html])
    return pdf


def amendments_mark(zone: str, count: int = 0) -> str:
    """The invisible place in a frozen clinician copy where the next amendment is written (as the template writes it)."""
    return f'<!--twofold:amendments zone="{zone}" count={count}-->'



def filename(session: TherapySession, copy: str, version: int | None = None) -> str:
    """A download name that says what the file is without naming anyone (and which version, after the first)."""
    kind = "clinician-copy" if copy == "clinician" else "handout"
    day = session.local_start(session.clinician.practice.timezone).date().isoformat()
    suffix = f"-v{version}" if version and version > 1 else ""
    return f"twofold-session-{session.number}-{day}-{kind}{suffix}.pdf"


def clinician_copy(session: TherapySession, *, bounded: bool = True) -> bytes:
    """Everything about the session, marked confidential on every page."""
    template, context = clinician_document(session)
    return render_document(template, page_size=session.clinician.practice.page_size, bounded=bounded, **context)


def clinician_document(session: TherapySession) -> tuple[str, dict]:
    """The clinician copy's template and everything it reads."""
    practice = session.clinician.practice
    return "pdf/session_clinician.html", {"practice": practice, "confidential": True, **clinician_context(session)}


def clinician_context(session: TherapySession) -> dict:
    """What the clinician copy's template reads (the place to add more, such as check-in trends)."""
    zone = session.clinician.practice.timezone
    return {
        "session": session,
        "couple": session.couple,
        "zone": zone,
        "reviewed": [ReviewedHomework(a, side_by_side(a)) for a in reviewed_homework(session)],
        "assigned": assigned_homework(session),
        "completion": completion(session),
        "progress": couple_progress(session.couple, session.local_start(session.clinician.practice.timezone).date()),
    }


def reviewed_homework(session: TherapySession) -> list[Assignment]:
    """The homework talked through in the session, exercises and responses loaded."""
    links = session_reviewed_homework.c
    return _homework(Assignment.id.in_(select(links.assignment_id).where(links.session_id == session.id)))


def assigned_homework(session: TherapySession) -> list[Assignment]:
    """The homework set in the session, exercises and responses loaded."""
    return _homework(Assignment.session_id == session.id)


def homework_for_both(session: TherapySession) -> list[Assignment]:
    """The homework set in the session for both partners: all the couple handout may list.

    Homework given to one partner belongs to that partner, so it stays out of the handout both read; a
    one-partner-only exercise's versions (the safety plan) are also left out by name, as a second guard.
    """
    partners = select(func.count(Response.id)).where(Response.assignment_id == Assignment.id).scalar_subquery()
    return _homework((Assignment.session_id == session.id) & (partners == 2)
                     & ~Assignment.exercise_version.has(one_partner_only=True))


def couple_handout(session: TherapySession, *, bounded: bool = True) -> bytes:
    """The couple-facing summary, their new homework, a kind word and where to find help."""
    template, context = handout_document(session)
    return render_document(template, page_size=session.clinician.practice.page_size, bounded=bounded, **context)


def handout_document(session: TherapySession) -> tuple[str, dict]:
    """The handout's template and the little it may read."""
    practice = session.clinician.practice
    return "pdf/session_handout.html", {"practice": practice, "zone": practice.timezone,
                                        "handout": handout_for(session)}


def handout_for(session: TherapySession) -> Handout:
    """The couple's part of a session, copied out field by field."""
    return Handout(
        couple_names=" and ".join(isolate(p.name) for p in session.couple.partners),
        number=session.number,
        starts_at=session.starts_at,
        therapist=session.clinician.display_name,
        summary=session.couple_summary,
        homework=[_handout_homework(a) for a in homework_for_both(session)],
        crisis_resources=session.clinician.practice.crisis_resources,
        crisis_numbers=crisis_numbers(session.clinician.practice),
        **_handout_progress(session),
    )


def _handout_progress(session: TherapySession, as_of: datetime | None = None) -> dict:
    """Check-in scores for the handout: the therapist's tick asks, `sharing.couple_facing_progress` decides."""
    day = session.local_start(session.clinician.practice.timezone).date()
    progress = sharing.couple_facing_progress(session.couple, session.handout_progress, day, as_of or utcnow(),
                                              figures=couple_progress)
    if progress is None:
        return {}
    return {"progress": progress, "progress_mode": session.handout_progress}


def completion(session: TherapySession) -> Markup | None:
    """Bars of homework sent out of homework set, per partner, for the sessions up to this one."""
    recent = list(db.session.scalars(
        select(TherapySession)
        .where(TherapySession.couple_id == session.couple_id, TherapySession.starts_at <= session.starts_at)
        .order_by(TherapySession.starts_at.desc()).limit(CHART_SESSIONS)
        .options(load_only(TherapySession.number, TherapySession.starts_at),
                 selectinload(TherapySession.homework_reviewed).selectinload(Assignment.responses))
    ))[::-1]
    if not any(s.homework_reviewed for s in recent):
        return None
    series = [
        Series(partner.name, [_completion(s, partner.position) for s in recent])
        for partner in session.couple.partners
    ]
    labels = [f"Session {s.number}" for s in recent]
    return completion_chart(labels, series, title="Homework sent, of homework reviewed, by session")


def _homework(condition) -> list[Assignment]:
    """Assignments in due-date order with their exercises, then their responses: two queries whatever their number."""
    return list(db.session.scalars(
        select(Assignment).where(condition)
        .options(joinedload(Assignment.exercise_version, innerjoin=True), selectinload(Assignment.responses))
        .order_by(Assignment.due_date, Assignment.id)
    ))


def _completion(session: TherapySession, position: int) -> Completion | None:
    responses = [r for a in session.homework_reviewed for r in a.responses if r.partner_position == position]
    if not responses:
        return None
    return Completion(done=sum(r.is_submitted for r in responses), assigned=len(responses))


def _handout_homework(assignment: Assignment) -> HandoutHomework:
    version = assignment.exercise_version
    return HandoutHomework(
        title=version.title, purpose=version.purpose, instructions=version.instructions, minutes=version.minutes,
        due_date=assignment.due_date, note=assignment.note, shared=assignment.is_shared_after_both,
        safety_line=version.safety_line,
    )
