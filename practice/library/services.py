"""Library rules: what a practice sees, saving exercises as versions, and syncing the built-ins."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from practice.authz import exercises_of_current_practice
from practice.extensions import db
from practice.models import Clinician, Exercise, ExerciseArea, ExerciseVersion, utcnow
from practice.models.exercise_content import ExerciseContent
from practice.platform.database import contains_text, writing
from practice.rules.versioning import ensure_version, save_versioned

# The detail page lists every version with who saved it: load them in two queries, not one per version.
WITH_HISTORY = (selectinload(Exercise.versions).selectinload(ExerciseVersion.created_by),)


@dataclass(frozen=True)
class Criteria:
    """What the library page is filtered by; None means "any"."""

    search: str | None = None
    area: str | None = None
    strategy: str | None = None
    stage: str | None = None
    mode: str | None = None
    max_minutes: int | None = None
    show_retired: bool = False


def browse(criteria: Criteria) -> list[Exercise]:
    """Built-ins and the practice's own exercises matching the criteria, by title, in one query."""
    query = (
        exercises_of_current_practice()
        .join(Exercise.latest)
        .options(contains_eager(Exercise.latest))
        .where(*_conditions(criteria))
        .order_by(func.lower(ExerciseVersion.title), Exercise.id)
    )
    return list(db.session.scalars(query))


def _conditions(criteria: Criteria) -> list:
    version = ExerciseVersion
    equal = {version.strategy: criteria.strategy, version.stage: criteria.stage, version.mode: criteria.mode}
    conditions = [column == value for column, value in equal.items() if value]
    if criteria.area:
        conditions.append(version.id.in_(select(ExerciseArea.version_id).where(ExerciseArea.area == criteria.area)))
    if criteria.max_minutes:
        conditions.append(version.minutes <= criteria.max_minutes)
    if criteria.search:
        conditions.append(or_(contains_text(version.title, criteria.search),
                              contains_text(version.purpose, criteria.search)))
    if not criteria.show_retired:
        conditions.append(Exercise.retired_at.is_(None))
    return conditions


def create_exercise(clinician: Clinician, content: ExerciseContent, copied_from: Exercise | None = None) -> Exercise:
    """Add one of the practice's own exercises at version 1; a copy remembers its source."""
    with writing():
        exercise = _new_exercise(content, practice_id=clinician.practice_id, created_by=clinician)
        if copied_from is not None:
            exercise.copied_from = copied_from
            exercise.copied_from_number = copied_from.latest_number
        db.session.add(exercise)
    return exercise


def save_changes(exercise: Exercise, expected_version: int | None, content: ExerciseContent, clinician: Clinician) -> bool:
    """Save edited content as a new version; False when nothing changed. Refuses a stale form."""
    with writing():
        ensure_version(exercise, expected_version)
        if not _add_version_if_changed(exercise, content, clinician):
            return False
        save_versioned(exercise, expected_version, {})
    return True


def set_retired(exercise: Exercise, retired: bool) -> None:
    """Hide an exercise from the library, or bring it back; nothing is deleted."""
    with writing():
        exercise.retired_at = utcnow() if retired else None


@dataclass
class SyncReport:
    """What one sync changed, by slug."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0

    def lines(self) -> list[str]:
        """The report as lines for the terminal."""
        groups = [("Added", self.added), ("New version", self.updated), ("Back on disk, restored", self.restored),
                  ("No longer on disk, retired", self.retired)]
        lines = [f"{label}: {', '.join(slugs)}" for label, slugs in groups if slugs]
        return lines + [f"Unchanged: {self.unchanged} built-in exercises."]


def sync_builtins(files: dict[str, ExerciseContent]) -> SyncReport:
    """Make the built-in exercises match the files: idempotent, and never deletes.

    A new or changed file adds a version and an unchanged one does nothing; a built-in whose file is
    gone is retired, so assignments of it keep working.
    """
    with writing():
        return _sync(files)


def _sync(files: dict[str, ExerciseContent]) -> SyncReport:
    report = SyncReport()
    stored = {
        e.slug: e
        for e in db.session.scalars(
            select(Exercise).where(Exercise.practice_id.is_(None)).options(selectinload(Exercise.latest))
        )
    }
    for slug, content in files.items():
        exercise = stored.pop(slug, None)
        if exercise is None:
            db.session.add(_new_exercise(content, slug=slug))
            report.added.append(slug)
            continue
        if exercise.is_retired:
            exercise.retired_at = None
            report.restored.append(slug)
        if _add_version_if_changed(exercise, content, None):
            report.updated.append(f"{slug} (version {exercise.latest_number})")
        elif slug not in report.restored:
            report.unchanged += 1
    for slug, exercise in stored.items():
        if not exercise.is_retired:
            exercise.retired_at = utcnow()
            report.retired.append(slug)
    return report


def _new_exercise(content: ExerciseContent, *, slug: str | None = None, practice_id: int | None = None,
                  created_by: Clinician | None = None) -> Exercise:
    return Exercise(
        slug=slug, practice_id=practice_id, created_by=created_by, latest_number=1,
        versions=[ExerciseVersion.snapshot(content, 1, created_by)],
    )


def _add_version_if_changed(exercise: Exercise, content: ExerciseContent, clinician: Clinician | None) -> bool:
    if content.content_hash() == exercise.latest.content_hash:
        return False
    version = ExerciseVersion.snapshot(content, exercise.latest_number + 1, clinician)
    version.exercise = exercise
    db.session.add(version)
    exercise.latest_number = version.number
    return True
