"""Suggested exercises for one couple: gathers the facts for the pure `practice.rules.suggestions`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from practice.authz import exercises_of_current_practice
from practice.checkins.progress import Progress
from practice.domain import Mode
from practice.extensions import db
from practice.models import Assignment, Couple, Exercise, ExerciseVersion
from practice.rules.suggestions import Candidate, LowArea, Situation, Suggestion, suggest


def for_couple(couple: Couple, progress: Progress, today: date, exercises: list[Exercise],
               last_assigned: dict[int, date] | None = None, *, safety_flag: bool) -> list[Suggestion]:
    """`exercises` (the practice's library, latest versions loaded) ranked for this couple.

    From concerns, low check-in areas, stage, milestones, recent homework (`last_assigned`, looked up
    here when not given) and whether a safety flag applies (`checkins.services.flag_applies`).
    """
    candidates = [
        Candidate(exercise.id, exercise.latest.title, tuple(exercise.latest.areas), exercise.latest.stage,
                  together=exercise.latest.mode == Mode.TOGETHER.value, vulnerable=exercise.latest.vulnerable,
                  needs_named_concern=exercise.latest.needs_named_concern,
                  one_partner_only=exercise.latest.one_partner_only)
        for exercise in exercises
    ]
    situation = Situation(
        stage=couple.stage, today=today, concerns=tuple(couple.concerns),
        low_areas=tuple(LowArea(s.area.value, s.item.topic, s.low_periods, s.gap)
                        for s in progress.area_scores() if s.is_low),
        last_assigned=_last_assigned(couple) if last_assigned is None else last_assigned,
        period_days=couple.checkin_cadence_days,
        safety_flag=safety_flag, milestones_met=couple.milestones_met,
    )
    return suggest(candidates, situation)


def _last_assigned(couple: Couple) -> dict[int, date]:
    """When each exercise was last given to the couple, by exercise id."""
    rows = db.session.execute(
        select(ExerciseVersion.exercise_id, func.max(Assignment.starts_on))
        .join(Assignment, Assignment.exercise_version_id == ExerciseVersion.id)
        .where(Assignment.couple_id == couple.id)
        .group_by(ExerciseVersion.exercise_id)
    )
    return dict(rows.all())


def library_for(couple: Couple) -> tuple[list[Exercise], dict[int, date]]:
    """The practice's library with when each exercise was last given to this couple, in one statement.

    The couple page uses it so its suggestions cost one query, not two.
    """
    last = (
        select(func.max(Assignment.starts_on))
        .join(ExerciseVersion, Assignment.exercise_version_id == ExerciseVersion.id)
        .where(Assignment.couple_id == couple.id, ExerciseVersion.exercise_id == Exercise.id)
        .correlate(Exercise)
        .scalar_subquery()
    )
    rows = db.session.execute(
        exercises_of_current_practice().join(Exercise.latest).options(contains_eager(Exercise.latest))
        .where(Exercise.retired_at.is_(None)).add_columns(last)
    ).all()
    return [exercise for exercise, _ in rows], {exercise.id: when for exercise, when in rows if when is not None}
