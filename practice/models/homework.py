"""Homework: an exercise version assigned to a couple, and each partner's own answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.domain import ResponseStatus, Sharing
from practice.models.base import Base, TimestampMixin, VersionedMixin
from practice.platform.crypto import EncryptedJSON, EncryptedText

if TYPE_CHECKING:
    from practice.models.accounts import Clinician
    from practice.models.couples import Couple, Partner
    from practice.models.exercises import ExerciseVersion
    from practice.models.sessions import TherapySession


class Assignment(VersionedMixin, TimestampMixin, Base):
    """One exercise version given to a couple, to one or both partners, with a due date.

    Versioned so that a review comment saved from a stale second tab is refused, not written over.
    """

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_couple_due", "couple_id", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"))
    exercise_version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"))
    due_date: Mapped[date]
    starts_on: Mapped[date]
    days: Mapped[int | None]  # daily logs: how many days to fill in
    note: Mapped[str] = mapped_column(EncryptedText, default="")
    sharing: Mapped[str] = mapped_column(String(20), default=Sharing.PRIVATE.value)
    # For exercises with roles: {"1": "hurt", "2": "hurting"} by partner position.
    roles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(EncryptedText, default="")
    # Why joint or vulnerable work went ahead while a safety flag applied; the audit event points here,
    # since the audit trail keeps no free text.
    # None when no reason was needed: a blank in an encrypted column would not decrypt, and rows
    # written before the column existed must read as "no reason" rather than fail.
    safety_reason: Mapped[str | None] = mapped_column(EncryptedText)
    # The session it was set in, once the therapist links it from that session's note.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("therapy_sessions.id"), index=True)

    couple: Mapped[Couple] = relationship()
    exercise_version: Mapped[ExerciseVersion] = relationship()
    assigned_by: Mapped[Clinician] = relationship()
    session: Mapped[TherapySession | None] = relationship(back_populates="homework_assigned")
    responses: Mapped[list[Response]] = relationship(
        back_populates="assignment", order_by="Response.partner_position", cascade="all, delete-orphan"
    )

    @property
    def is_shared_after_both(self) -> bool:
        return self.sharing == Sharing.SHARED_AFTER_BOTH.value

    def role_for(self, position: int) -> str | None:
        """The exercise role (e.g. "hurt") the therapist gave partner 1 or 2, if any."""
        return self.roles.get(str(position))


class Response(VersionedMixin, TimestampMixin, Base):
    """One partner's answers to one assignment: a draft until submitted, then kept as written.

    Every row belongs to exactly one partner. Portal code reaches these rows
    only through helpers that filter by the signed-in partner.
    """

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("assignment_id", "partner_id", name="uq_responses_assignment_partner"),
        # The portal's lists: a partner's open homework, and what they sent, newest first.
        Index("ix_responses_partner_status", "partner_id", "status", "submitted_at"),
        # The dashboard and the sharing rule read these columns for every assignment of a caseload:
        # covered here, they never touch the wide rows that hold the encrypted answers.
        Index("ix_responses_assignment_status", "assignment_id", "status", "submitted_at", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    partner_position: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default=ResponseStatus.NOT_STARTED.value)
    answers: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    draft_saved_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)

    assignment: Mapped[Assignment] = relationship(back_populates="responses")
    partner: Mapped[Partner] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED.value

    def display_status(self, today: date) -> ResponseStatus:
        """Not started, draft, submitted, or overdue once the due date has passed."""
        if not self.is_submitted and self.assignment.due_date < today:
            return ResponseStatus.OVERDUE
        return ResponseStatus(self.status)


class ReminderSent(Base):
    """A reminder email already sent, so the scheduler never sends the same one twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("response_id", "kind", name="uq_reminders_sent_response_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    kind: Mapped[str] = mapped_column(String(12))  # "due_soon" or "overdue"
    sent_at: Mapped[datetime]
