"""Therapy sessions: the record, the clinician's signed note and its dated amendments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.domain import Attendance, Intervention, SessionFormat
from practice.models.base import Base, TimestampMixin, VersionedMixin, utcnow
from practice.platform.crypto import EncryptedBytes, EncryptedText

if TYPE_CHECKING:
    from practice.models.accounts import Clinician
    from practice.models.couples import Couple
    from practice.models.homework import Assignment

# Homework talked through in a session: any of the couple's assignments due by then.
session_reviewed_homework = Table(
    "session_reviewed_homework",
    Base.metadata,
    Column("session_id", ForeignKey("therapy_sessions.id"), primary_key=True),
    Column("assignment_id", ForeignKey("assignments.id"), primary_key=True, index=True),
)


class TherapySession(VersionedMixin, TimestampMixin, Base):
    """One session with a couple, and its note: a draft until signed, then locked.

    The note's free text is encrypted at rest. `couple_summary` is the only
    part written for the couple; everything else is for the clinician alone.
    """

    __tablename__ = "therapy_sessions"
    __table_args__ = (
        UniqueConstraint("couple_id", "number", name="uq_therapy_sessions_couple_number"),
        Index("ix_therapy_sessions_couple_starts", "couple_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"), index=True)
    number: Mapped[int]  # 1, 2, 3 ... per couple, in the order sessions are recorded
    starts_at: Mapped[datetime]
    minutes: Mapped[int]
    format: Mapped[str] = mapped_column(String(12))
    attended: Mapped[str] = mapped_column(String(10))
    focus: Mapped[str] = mapped_column(EncryptedText, default="")
    interventions: Mapped[list[str]] = mapped_column(JSON, default=list)
    interventions_other: Mapped[str] = mapped_column(EncryptedText, default="")
    observations: Mapped[str] = mapped_column(EncryptedText, default="")
    plan: Mapped[str] = mapped_column(EncryptedText, default="")
    couple_summary: Mapped[str] = mapped_column(EncryptedText, default="")
    # "" (no progress in the handout), "couple_combined" or "couple_both": the therapist's choice.
    handout_progress: Mapped[str] = mapped_column(String(16), default="")
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    handout_released_at: Mapped[datetime | None]
    # Which frozen couple version the partners may download; None while the handout is not released.
    handout_version: Mapped[int | None]

    couple: Mapped[Couple] = relationship()
    clinician: Mapped[Clinician] = relationship(foreign_keys=[clinician_id])
    signed_by: Mapped[Clinician | None] = relationship(foreign_keys=[signed_by_id])
    amendments: Mapped[list[SessionAmendment]] = relationship(
        back_populates="session", order_by="SessionAmendment.created_at", cascade="all, delete-orphan"
    )
    homework_reviewed: Mapped[list[Assignment]] = relationship(
        secondary=session_reviewed_homework, order_by="Assignment.due_date"
    )
    homework_assigned: Mapped[list[Assignment]] = relationship(
        back_populates="session", order_by="Assignment.due_date"
    )
    documents: Mapped[list[SessionDocument]] = relationship(
        back_populates="session", order_by="SessionDocument.version", cascade="all, delete-orphan",
        lazy="raise_on_sql",
    )

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_released(self) -> bool:
        return self.handout_released_at is not None

    @property
    def format_label(self) -> str:
        return SessionFormat(self.format).label

    @property
    def intervention_labels(self) -> list[str]:
        return [Intervention(key).label for key in self.interventions]

    @property
    def attendance_label(self) -> str:
        """"Both partners", or the one partner who came: "Alex only"."""
        position = Attendance(self.attended).position
        return "Both partners" if position is None else f"{self.couple.partner(position).name} only"

    def local_start(self, timezone: str) -> datetime:
        """The start in a practice's time zone, where its date is the session's date."""
        return self.starts_at.astimezone(ZoneInfo(timezone))


class SessionAmendment(Base):
    """A dated addition to a signed note, by the clinician who signed it."""

    __tablename__ = "session_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("therapy_sessions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(EncryptedText)

    session: Mapped[TherapySession] = relationship(back_populates="amendments")
    author: Mapped[Clinician] = relationship()

    @property
    def couple_id(self) -> int:
        """For the audit trail, which files events under their couple."""
        return self.session.couple_id


class SessionDocument(Base):
    """One frozen version of a signed session's PDF, exactly as it was handed out.

    HTML and PDF are encrypted at rest and downloads send `pdf` as stored, so nothing later can change a
    signed record; rows are never updated (a flush listener refuses it).
    """

    __tablename__ = "session_documents"
    __table_args__ = (
        UniqueConstraint("session_id", "kind", "version", name="uq_session_documents_session_kind_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("therapy_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "clinician" or "couple"
    version: Mapped[int]  # 1, 2, 3 ... per session and kind
    # "signed", "frozen_later" (signed before documents were frozen), "amendment" or "corrected"
    reason: Mapped[str] = mapped_column(String(16))
    reason_text: Mapped[str] = mapped_column(EncryptedText, default="")  # the therapist's words for a correction
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("session_amendments.id"))
    html: Mapped[str] = mapped_column(EncryptedText)  # the filled template the PDF was drawn from
    pdf: Mapped[bytes] = mapped_column(EncryptedBytes)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))

    session: Mapped[TherapySession] = relationship(back_populates="documents")
    created_by: Mapped[Clinician | None] = relationship()

    @property
    def couple_id(self) -> int:
        """For the audit trail, which files events under their couple."""
        return self.session.couple_id

    @property
    def reason_label(self) -> str:
        return {
            "signed": "Signed and locked",
            "frozen_later": "Frozen from the record (signed before documents were kept)",
            "amendment": "Amendment added",
            "corrected": "Corrected handout",
        }.get(self.reason, self.reason)


@event.listens_for(SessionDocument, "before_update")
def _documents_are_never_rewritten(_mapper, _connection, target: SessionDocument) -> None:
    raise ValueError(f"session document {target.id} is frozen; add a new version instead")
