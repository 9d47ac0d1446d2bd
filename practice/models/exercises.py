"""The exercise library: an exercise's identity, and the immutable versions of what it says."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event, false
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from practice.models.accounts import Clinician
from practice.models.base import Base, TimestampMixin, VersionedMixin, utcnow
from practice.models.exercise_content import STORED, ExerciseContent


class Exercise(VersionedMixin, TimestampMixin, Base):
    """A library entry: built in (no practice) or one practice's own. Retired, never deleted.

    `version` is the optimistic lock of this row; what the exercise says
    lives in `versions`, numbered 1, 2, 3, the newest being `latest`.
    """

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)  # built-ins only: the file name
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("exercises.id"))
    copied_from_number: Mapped[int | None]
    latest_number: Mapped[int] = mapped_column(default=1)
    retired_at: Mapped[datetime | None]

    created_by: Mapped[Clinician | None] = relationship()
    copied_from: Mapped[Exercise | None] = relationship(remote_side="Exercise.id")
    versions: Mapped[list[ExerciseVersion]] = relationship(
        back_populates="exercise", order_by="ExerciseVersion.number"
    )
    latest: Mapped[ExerciseVersion] = relationship(
        primaryjoin="and_(Exercise.id == foreign(ExerciseVersion.exercise_id), "
        "Exercise.latest_number == foreign(ExerciseVersion.number))",
        viewonly=True,
        uselist=False,
    )

    @property
    def is_builtin(self) -> bool:
        return self.practice_id is None

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class ExerciseVersion(Base):
    """What an exercise said at one moment. Assignments point here, so answers keep their meaning."""

    __tablename__ = "exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "number", name="uq_exercise_versions_exercise_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(Text)
    instructions: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int]
    mode: Mapped[str] = mapped_column(String(12))
    areas: Mapped[list[str]] = mapped_column(JSON)
    strategy: Mapped[str] = mapped_column(String(32), index=True)
    stage: Mapped[str] = mapped_column(String(20), index=True)
    show_crisis_resources: Mapped[bool]
    never_shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    one_partner_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    practise_in_session_first: Mapped[bool] = mapped_column(default=False, server_default=false())
    safety_line: Mapped[bool] = mapped_column(default=False, server_default=false())
    vulnerable: Mapped[bool] = mapped_column(default=False, server_default=false())
    needs_named_concern: Mapped[bool] = mapped_column(default=False, server_default=false())
    roles: Mapped[list[dict]] = mapped_column(JSON)
    prompts: Mapped[list[dict]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))

    exercise: Mapped[Exercise] = relationship(back_populates="versions")
    created_by: Mapped[Clinician | None] = relationship()
    area_links: Mapped[list[ExerciseArea]] = relationship(cascade="all, delete-orphan")

    @classmethod
    def snapshot(cls, content: ExerciseContent, number: int, created_by: Clinician | None) -> ExerciseVersion:
        """A new version holding exactly this validated content."""
        data = content.as_data()
        return cls(
            number=number, created_by=created_by, content_hash=content.content_hash(),
            area_links=[ExerciseArea(area=area) for area in data["areas"]], **data,
        )

    @cached_property
    def content(self) -> ExerciseContent:
        """The stored snapshot as validated content (safe to cache: versions never change).

        Read as stored: a rule added after the version was saved (no HTML tags in titles) must not lock it away.
        """
        return ExerciseContent.model_validate(
            {field: getattr(self, field) for field in ExerciseContent.model_fields}, context={STORED: True}
        )


class ExerciseArea(Base):
    """One area a version is tagged with: a row, so the library's area filter can use an index."""

    __tablename__ = "exercise_version_areas"

    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


@event.listens_for(ExerciseVersion, "before_update")
def _refuse_changes(_mapper, _connection, version: ExerciseVersion) -> None:
    """A saved version is the record of what partners were asked: it is never rewritten."""
    if object_session(version).is_modified(version, include_collections=False):
        raise ValueError("Exercise versions never change; save a new version instead.")
