"""Assigning homework and reading it back: the therapist's side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from practice.domain import ResponseStatus, Sharing
from practice.errors_domain import DomainError
from practice.extensions import db
from practice.models import Assignment, Clinician, Couple, Response, utcnow
from practice.models.exercises import ExerciseVersion

CONVERSATION_GAP = 2  # scale answers this far apart are worth talking about


@dataclass(frozen=True)
class AssignmentRequest:
    """What the therapist chose on the assign form."""

    version: ExerciseVersion
    positions: tuple[int, ...]
    due_date: date
    days: int | None
    note: str
    sharing: str
    roles: dict[str, str]


def assign(couple: Couple, clinician: Clinician, request: AssignmentRequest, today: date) -> Assignment:
    """Give an exercise version to one or both partners, each with their own empty response."""
    if request.sharing == Sharing.SHARED_AFTER_BOTH.value and len(request.positions) != 2:
        raise DomainError("Sharing between partners needs the exercise to go to both of them.", field="sharing")
    if request.due_date < today:
        raise DomainError("Please choose a due date from today onwards.", field="due_date")
    assignment = Assignment(
        couple=couple, exercise_version=request.version, assigned_by=clinician, due_date=request.due_date,
        starts_on=today, days=request.days, note=request.note, sharing=request.sharing, roles=request.roles,
    )
    assignment.responses = [
        Response(partner=couple.partner(n), partner_position=n) for n in sorted(request.positions)
    ]
    couple.last_activity_at = utcnow()
    db.session.add(assignment)
    db.session.commit()
    return assignment


def couple_assignments(couple: Couple) -> list[Assignment]:
    """A couple's homework, newest due date first, with responses and exercise loaded."""
    return list(db.session.scalars(
        select(Assignment)
        .where(Assignment.couple_id == couple.id)
        .options(selectinload(Assignment.responses), joinedload(Assignment.exercise_version))
        .order_by(Assignment.due_date.desc(), Assignment.id.desc())
    ))


def mark_reviewed(assignment: Assignment, comment: str) -> None:
    """Record that the therapist has read the latest answers, with a private comment."""
    assignment.reviewed_at = utcnow()
    assignment.review_comment = comment
    db.session.commit()


def is_new(response: Response) -> bool:
    """Submitted since the therapist last marked the assignment reviewed."""
    reviewed = response.assignment.reviewed_at
    return response.is_submitted and (reviewed is None or response.submitted_at > reviewed)


@dataclass(frozen=True)
class Dashboard:
    new: list[Response]
    overdue: list[Response]
    due_soon: list[Response]


def dashboard(clinician: Clinician, today: date, limit: int = 20) -> Dashboard:
    """What a therapist wants to know between sessions, for their own couples only."""
    base = (
        select(Response)
        .join(Response.assignment)
        .join(Assignment.couple)
        .where(Couple.clinician_id == clinician.id)
        .options(
            joinedload(Response.assignment).joinedload(Assignment.exercise_version),
            joinedload(Response.assignment).joinedload(Assignment.couple).selectinload(Couple.partners),
            joinedload(Response.partner),
        )
        .limit(limit)
    )
    submitted = Response.status == ResponseStatus.SUBMITTED.value
    new = base.where(submitted, or_(Assignment.reviewed_at.is_(None), Response.submitted_at > Assignment.reviewed_at))
    open_ = and_(~submitted, Couple.status == "active")
    return Dashboard(
        new=list(db.session.scalars(new.order_by(Response.submitted_at.desc()))),
        overdue=list(db.session.scalars(base.where(open_, Assignment.due_date < today).order_by(Assignment.due_date))),
        due_soon=list(db.session.scalars(
            base.where(open_, Assignment.due_date >= today, Assignment.due_date <= today + timedelta(days=2))
            .order_by(Assignment.due_date)
        )),
    )


@dataclass(frozen=True)
class PromptRow:
    """One prompt with each assigned partner's answer, for the side-by-side review."""

    prompt: object
    answers: dict[int, object]  # by partner position
    starter: bool


def side_by_side(assignment: Assignment) -> list[PromptRow]:
    """Every prompt of the assigned version with the answers each partner has sent; far-apart ratings are flagged.

    Drafts are left out, so an unsent rating can neither show nor raise a conversation starter.
    """
    by_position = {r.partner_position: r.answers for r in assignment.responses if r.is_submitted}
    rows = []
    for prompt in assignment.exercise_version.content.prompts:
        answers = {pos: answers.get(prompt.key) for pos, answers in by_position.items()}
        rows.append(PromptRow(prompt, answers, _far_apart(prompt, answers)))
    return rows


def _far_apart(prompt, answers: dict[int, object]) -> bool:
    values = [v for v in answers.values() if isinstance(v, int)]
    return prompt.type == "scale" and len(values) == 2 and abs(values[0] - values[1]) >= CONVERSATION_GAP
