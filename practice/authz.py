"""Fetch-and-authorise helpers: every query is filtered by its owner.

Views never load a couple (or anything under it) by id alone. They call one
of these, so another clinician's id is simply not found (404), whatever the
template does. Each miss is recorded in the audit trail as a refused access,
written after the response in a transaction of its own (`audit.refused`): a
helper never commits, or even flushes, the caller's work.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from practice import audit
from practice.extensions import db
from practice.models import (
    Assignment, BackgroundJob, Clinician, ClinicianInvitation, Couple, Exercise, Partner, SafetyAnswer, SafetyFlag,
    TherapySession,
)


def couples_of_current_clinician() -> Select[tuple[Couple]]:
    """A query of the signed-in clinician's couples, partners loaded."""
    return (
        select(Couple)
        .where(Couple.clinician_id == current_user.id)
        .options(selectinload(Couple.partners))
    )


def couple_for_clinician_or_404(couple_id: int) -> Couple:
    """The signed-in clinician's couple with this id, partners joined in the same statement, or 404."""
    query = (
        select(Couple)
        .where(Couple.clinician_id == current_user.id, Couple.id == couple_id)
        .options(joinedload(Couple.partners))
    )
    return _first_or_refused(query, "Couple", couple_id)


def partner_for_clinician_or_404(couple_id: int, position: int) -> Partner:
    """Partner 1 or 2 of one of the signed-in clinician's couples, or 404."""
    query = (
        select(Partner)
        .join(Couple)
        .where(Couple.id == couple_id, Couple.clinician_id == current_user.id, Partner.position == position)
    )
    return _first_or_refused(query, "Couple", couple_id)


def assignment_for_clinician_or_404(assignment_id: int) -> Assignment:
    """An assignment of one of the signed-in clinician's couples, or 404."""
    query = (
        select(Assignment)
        .join(Couple)
        .where(Assignment.id == assignment_id, Couple.clinician_id == current_user.id)
        .options(
            selectinload(Assignment.responses), joinedload(Assignment.exercise_version),
            joinedload(Assignment.couple).selectinload(Couple.partners),
        )
    )
    return _first_or_refused(query, "Assignment", assignment_id)


def job_for_clinician_or_404(job_id: int) -> BackgroundJob:
    """A background job the signed-in clinician started, or 404."""
    query = select(BackgroundJob).where(BackgroundJob.id == job_id, BackgroundJob.clinician_id == current_user.id)
    return _first_or_refused(query, "BackgroundJob", job_id)


def safety_flag_for_clinician_or_404(couple_id: int, flag_id: int) -> SafetyFlag:
    """A safety flag of one of the signed-in clinician's couples, with its answer and check-in, or 404."""
    query = (
        select(SafetyFlag)
        .join(Couple)
        .where(SafetyFlag.id == flag_id, SafetyFlag.couple_id == couple_id, Couple.clinician_id == current_user.id)
        .options(
            joinedload(SafetyFlag.couple).selectinload(Couple.partners),
        )
    )
    flag = _first_or_refused(query, "SafetyFlag", flag_id)
    db.session.scalar(  # the answer its sealed details name, with the check-in, into the identity map
        select(SafetyAnswer).where(SafetyAnswer.id == flag.safety_answer_id, SafetyAnswer.couple_id == couple_id)
        .options(joinedload(SafetyAnswer.checkin))
    )
    return flag


def session_for_clinician_or_404(session_id: int) -> TherapySession:
    """A session of one of the signed-in clinician's couples, or 404."""
    query = (
        select(TherapySession)
        .join(Couple)
        .where(TherapySession.id == session_id, Couple.clinician_id == current_user.id)
        .options(contains_eager(TherapySession.couple).selectinload(Couple.partners),
                 selectinload(TherapySession.amendments))
    )
    return _first_or_refused(query, "TherapySession", session_id)


def invitation_for_owner_or_404(invitation_id: int) -> ClinicianInvitation:
    """An invitation of the signed-in owner's practice, or 404."""
    query = select(ClinicianInvitation).where(
        ClinicianInvitation.id == invitation_id,
        ClinicianInvitation.practice_id == current_user.practice_id,
    )
    return _first_or_refused(query, "ClinicianInvitation", invitation_id)


def colleague_for_owner_or_404(clinician_id: int) -> Clinician:
    """A clinician of the signed-in owner's practice, or 404."""
    query = select(Clinician).where(
        Clinician.id == clinician_id, Clinician.practice_id == current_user.practice_id
    )
    return _first_or_refused(query, "Clinician", clinician_id)


def exercises_of_current_practice() -> Select[tuple[Exercise]]:
    """Built-in exercises and those of the signed-in clinician's practice; never another's."""
    return select(Exercise).where(
        or_(Exercise.practice_id.is_(None), Exercise.practice_id == current_user.practice_id)
    )


def exercise_for_practice_or_404(exercise_id: int, *options) -> Exercise:
    """A built-in or one of the practice's own exercises, or 404; `options` are loader options."""
    query = exercises_of_current_practice().where(Exercise.id == exercise_id).options(*options)
    return _first_or_refused(query, "Exercise", exercise_id)


def own_exercise_for_practice_or_404(exercise_id: int) -> Exercise:
    """One of the practice's own exercises, which its clinicians may edit and retire, or 404."""
    query = select(Exercise).where(Exercise.id == exercise_id, Exercise.practice_id == current_user.practice_id)
    return _first_or_refused(query, "Exercise", exercise_id)


def _first_or_refused(query: Select, record_type: str, record_id: int):
    """The first row of an owner-filtered query, or a recorded refusal and 404."""
    row = db.session.scalars(query).unique().first()
    if row is None:
        audit.refused(record_type, record_id)
        abort(404)
    return row
