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
from practice.models.checkins import CheckIn, SafetyAnswer, SafetyFlag, SafetyNotice
from practice.models.couples import Couple, Partner, PartnerInvitation
from practice.models.exercises import Exercise, ExerciseArea, ExerciseVersion
from practice.models.homework import Assignment, ReminderSent, Response
from practice.models.jobs import BackgroundJob
from practice.models.mail import OutgoingEmail
from practice.models.sessions import SessionAmendment, SessionDocument, TherapySession

__all__ = [
    "Assignment",
    "AuditAction",
    "AuditEvent",
    "AuditImmutableError",
    "BackgroundJob",
    "Base",
    "CheckIn",
    "Clinician",
    "ClinicianInvitation",
    "Couple",
    "Exercise",
    "ExerciseArea",
    "ExerciseVersion",
    "OutgoingEmail",
    "Partner",
    "PartnerInvitation",
    "PasswordResetToken",
    "Practice",
    "RecoveryCode",
    "ReminderSent",
    "Response",
    "SafetyAnswer",
    "SafetyFlag",
    "SafetyNotice",
    "SessionAmendment",
    "SessionDocument",
    "SignupRequest",
    "TherapySession",
    "utcnow",
]
