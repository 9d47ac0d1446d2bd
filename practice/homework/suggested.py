"""Suggested exercises for one couple: gathers the facts for the pure `practice.suggestions`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from practice.checkins.progress import Progress
from practice.extensions import db
from practice.models import Assignment, Couple, Exercise, ExerciseVersion
from practice.suggestions import Candidate, LowArea, Situation, Suggestion, suggest


def for_couple(couple: Couple, progress: Progress, today: date, exercises: list[Exercise]) -> list[Suggestion]:
    """`exercises` (the practice's library, latest versions loaded) ranked for this couple.

    From their concerns, low check-in areas, stage and recent homework.
    """
    candidates = [
        Candidate(exercise.id, exercise.latest.title, tuple(exercise.latest.areas), exercise.latest.stage)
        for exercise in exercises
    ]
    situation = Situation(
        stage=couple.stage, today=today, concerns=tuple(couple.concerns),
        low_areas=tuple(LowArea(s.area.value, s.item.topic, s.low_periods) for s in progress.area_scores() if s.is_low),
        last_assigned=_last_assigned(couple), period_days=couple.checkin_cadence_days,
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
