"""Practices, clinicians, and the single-use tokens that let people in."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.domain import PageSize
from practice.models.base import Base, TimestampMixin, VersionedMixin, utcnow
from practice.platform.crypto import EncryptedText

if TYPE_CHECKING:
    from practice.models.couples import Couple


class Practice(VersionedMixin, TimestampMixin, Base):
    """A therapy practice: its letterhead, time zone and crisis resources."""

    __tablename__ = "practices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    crisis_resources: Mapped[str] = mapped_column(Text, default="")
    # The three numbers partners can tap (practice.practices.crisis); partners are invited only once all are set.
    emergency_label: Mapped[str] = mapped_column(String(80), default="", server_default="")
    emergency_number: Mapped[str] = mapped_column(String(30), default="", server_default="")
    crisis_line_label: Mapped[str] = mapped_column(String(80), default="", server_default="")
    crisis_line_number: Mapped[str] = mapped_column(String(30), default="", server_default="")
    dv_line_label: Mapped[str] = mapped_column(String(80), default="", server_default="")
    dv_line_number: Mapped[str] = mapped_column(String(30), default="", server_default="")
    page_size: Mapped[str] = mapped_column(String(10), default=PageSize.A4.value, server_default=PageSize.A4.value)
    # Security settings the owner chooses on the practice profile.
    idle_timeout_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A safety flag not acknowledged within this many hours is also sent to the owner(s).
    safety_escalation_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    # A safety flag keeps shaping suggestions and assignment for this many weeks after it is raised.
    safety_flag_weeks: Mapped[int] = mapped_column(default=8, server_default="8")
    # Exported records and other prepared files are erased this many days after they are made.
    export_retention_days: Mapped[int] = mapped_column(default=7, server_default="7")

    clinicians: Mapped[list[Clinician]] = relationship(
        back_populates="practice", order_by="Clinician.name"
    )


class Clinician(UserMixin, TimestampMixin, Base):
    """A therapist who logs in. The owner of a practice manages it."""

    __tablename__ = "clinicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_owner: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login id: changing it signs out every existing session and
    # remember-me cookie of this clinician (logout, password change).
    session_token: Mapped[str] = mapped_column(
        String(32), default=lambda: secrets.token_hex(16)
    )
    last_login_at: Mapped[datetime | None]
    # Two-factor sign-in (practice.auth.two_factor). The secrets are encrypted
    # at rest; the last accepted time step makes a replayed code useless.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText())
    totp_pending_secret: Mapped[str | None] = mapped_column(EncryptedText())
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    practice: Mapped[Practice] = relationship(back_populates="clinicians")
    couples: Mapped[list[Couple]] = relationship(back_populates="clinician")

    kind = "clinician"

    @property
    def display_name(self) -> str:
        """Name with credentials, as a therapist signs letters."""
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    def get_id(self) -> str:
        return f"clinician:{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        """Invalidate every session and remember-me cookie issued so far."""
        self.session_token = secrets.token_hex(16)


class RecoveryCode(Base):
    """A one-time code that signs a clinician in when their authenticator is lost.

    Only a salted SHA-256 of the code is kept: the codes are random, so a slow
    hash would add nothing (ASVS 2.6.2).
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class SingleUseTokenMixin:
    """A link token: only its SHA-256 is stored; it expires and is used once."""

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > utcnow()


class PasswordResetToken(SingleUseTokenMixin, Base):
    """An emailed link that lets a clinician choose a new password."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"), index=True)

    clinician: Mapped[Clinician] = relationship()


class ClinicianInvitation(SingleUseTokenMixin, Base):
    """An owner's invitation for a colleague to join the practice."""

    __tablename__ = "clinician_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"))
    email: Mapped[str] = mapped_column(String(254))
    revoked_at: Mapped[datetime | None]

    practice: Mapped[Practice] = relationship()
    invited_by: Mapped[Clinician] = relationship()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and super().is_usable


class SignupRequest(SingleUseTokenMixin, Base):
    """A sign-up waiting for its email to be confirmed.

    The practice and clinician are only created when the link is opened, so
    the sign-up page says the same thing whether or not the email is taken.
    """

    __tablename__ = "signup_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(60), default="")
    practice_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
