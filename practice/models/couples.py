"""Couples and the two partners in each."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.domain import Area, CoupleStatus, Stage
from practice.models.accounts import Clinician, Practice, SingleUseTokenMixin
from practice.models.base import Base, TimestampMixin, VersionedMixin, utcnow
from practice.platform.crypto import EncryptedText


def joined_names(names) -> str:
    """Partners' names as the caseload writes a couple: "Alex & Sam"."""
    return " & ".join(names)


class Couple(VersionedMixin, TimestampMixin, Base):
    """A couple in one clinician's caseload. Closed couples stay, archived."""

    __tablename__ = "couples"
    __table_args__ = (Index("ix_couples_clinician_activity", "clinician_id", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"))
    concerns: Mapped[list[str]] = mapped_column(JSON, default=list)
    stage: Mapped[str] = mapped_column(String(20), default=Stage.DEESCALATION.value)
    start_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default=CoupleStatus.ACTIVE.value, index=True)
    closed_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Connection check-ins: how often each partner is asked, and whether the therapist paused them.
    checkin_cadence_days: Mapped[int] = mapped_column(default=7, server_default="7")
    checkins_paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Restructuring milestones the therapist records: consolidation work waits for both.
    withdrawer_reengaged_on: Mapped[date | None]
    softening_on: Mapped[date | None]

    clinician: Mapped[Clinician] = relationship(back_populates="couples")
    partners: Mapped[list[Partner]] = relationship(
        back_populates="couple", order_by="Partner.position", cascade="all, delete-orphan"
    )

    @property
    def milestones_met(self) -> bool:
        """Both restructuring milestones are recorded: the withdrawer re-engaged and the pursuer softened."""
        return self.withdrawer_reengaged_on is not None and self.softening_on is not None

    @property
    def name(self) -> str:
        """How the caseload names a couple: "Alex & Sam"."""
        return joined_names(p.name for p in self.partners)

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def status_label(self) -> str:
        return CoupleStatus(self.status).label

    @property
    def concern_labels(self) -> list[str]:
        return [Area(key).label for key in self.concerns]

    def partner(self, position: int) -> Partner:
        """Partner 1 or partner 2."""
        return next(p for p in self.partners if p.position == position)


class Partner(TimestampMixin, Base):
    """One person in a couple. Email is optional and need not be unique.

    A partner signs in once they have set a password from an invitation link; partners who share an
    email are told apart by their password.
    """

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("couple_id", "position", name="uq_partners_couple_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), index=True)
    position: Mapped[int]  # 1 or 2
    name: Mapped[str] = mapped_column(String(80), index=True)
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    activated_at: Mapped[datetime | None]
    access_revoked_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # The partner's own answer to "Share my check-in scores in our session handouts": no until they say yes.
    # Only practice.sharing.checkin_scores_decision reads it for couple-facing output.
    shares_checkin_scores: Mapped[bool] = mapped_column(default=False, server_default=false())
    shares_checkin_scores_changed_at: Mapped[datetime | None]

    couple: Mapped[Couple] = relationship(back_populates="partners")

    kind = "partner"
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Signed-in access needs a password and no revocation."""
        return self.password_hash is not None and self.access_revoked_at is None

    @property
    def practice(self) -> Practice:
        return self.couple.clinician.practice

    @property
    def other(self) -> Partner:
        """The other partner of the couple (for names only, never their answers)."""
        return self.couple.partner(3 - self.position)

    def get_id(self) -> str:
        return f"partner:{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        """Invalidate every session and remember-me cookie of this partner."""
        self.session_token = secrets.token_hex(16)

    @property
    def access_state(self) -> str:
        """"active", "revoked" or "none", for the therapist's access panel."""
        if self.access_revoked_at is not None:
            return "revoked"
        return "active" if self.password_hash else "none"


class PartnerInvitation(SingleUseTokenMixin, Base):
    """A private link with which one partner sets their password."""

    __tablename__ = "partner_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"))
    revoked_at: Mapped[datetime | None]
    # The token itself, sealed, only until the therapist's page has shown the new link once
    # (practice.portal.access.link_to_show); never in the session cookie.
    token_to_show: Mapped[str | None] = mapped_column(EncryptedText)

    partner: Mapped[Partner] = relationship()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and super().is_usable
