"""All models, imported here so Alembic and the app see every table."""

from practice.models.accounts import (
    Clinician,
    ClinicianInvitation,
    PasswordResetToken,
    Practice,
    RecoveryCode,
    SignupRequest,
)
from practice.models.audit import AuditAction, AuditEvent, AuditImmutableError
from practice.models.base import Base, utcnow
from practice.models.couples import Couple, Partner, PartnerInvitation
from practice.models.exercises import Exercise, ExerciseArea, ExerciseVersion
from practice.models.homework import Assignment, ReminderSent, Response

__all__ = [
    "Assignment",
    "AuditAction",
    "AuditEvent",
    "AuditImmutableError",
    "Base",
    "Clinician",
    "ClinicianInvitation",
    "Couple",
    "Exercise",
    "ExerciseArea",
    "ExerciseVersion",
    "Partner",
    "PartnerInvitation",
    "PasswordResetToken",
    "Practice",
    "RecoveryCode",
    "ReminderSent",
    "Response",
    "SignupRequest",
    "utcnow",
]
