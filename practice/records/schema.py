"""The documented, versioned shape of `record.json` in a couple's export.

Every export carries `format: {"name": "twofold.couple-record", "version": N}`
and, next to the JSON, `record.schema.json` generated from these models, so a
reader years later knows what each field means. Times are UTC (ISO 8601),
dates are calendar dates in the practice's time zone, keys (areas, stages,
statuses) are those of `practice.domain`.

Changing the shape means bumping SCHEMA_VERSION: add a field here (for
example `sessions`, once signed sessions exist) and fill it in
`practice.records.export.build_record`. Secrets never appear here: no
password hashes, session tokens or invitation tokens.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from practice.domain import Area, CheckInItem, CoupleStatus, SafetyChoice, Sharing, Stage

SCHEMA_NAME = "twofold.couple-record"
SCHEMA_VERSION = 1


class Record(BaseModel):
    """Unknown fields are refused, so a file that validates is exactly this version's shape."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Format(Record):
    """Which schema the file follows."""

    name: Literal["twofold.couple-record"] = SCHEMA_NAME
    version: Literal[1] = SCHEMA_VERSION


class ClinicianRecord(Record):
    id: int
    name: str
    credentials: str
    email: str


class PracticeRecord(Record):
    id: int
    name: str
    timezone: str = Field(description="IANA time zone the practice's calendar dates are in.")


class CoupleInfo(Record):
    id: int
    clinician: ClinicianRecord
    concerns: list[Area] = Field(description="Presenting concerns, as area keys.")
    stage: Stage
    start_date: date
    status: CoupleStatus
    closed_at: datetime | None
    created_at: datetime
    last_activity_at: datetime
    checkin_cadence_days: int
    checkins_paused: bool


class PartnerRecord(Record):
    id: int
    position: int = Field(description="1 or 2.")
    name: str
    pronouns: str
    email: str | None
    created_at: datetime
    activated_at: datetime | None = Field(description="When they first set a portal password.")
    access_revoked_at: datetime | None
    last_login_at: datetime | None


class ExerciseVersionRecord(Record):
    """What an assigned exercise said, exactly as the partners were asked it."""

    id: int
    exercise_id: int
    number: int
    title: str
    purpose: str
    instructions: str = Field(description="Markdown.")
    minutes: int
    mode: str
    areas: list[Area]
    strategy: str
    stage: Stage
    show_crisis_resources: bool
    roles: list[dict[str, Any]]
    prompts: list[dict[str, Any]] = Field(description="As stored; see ExerciseContent in practice/models/exercise_content.py.")
    content_hash: str
    created_at: datetime


class ResponseRecord(Record):
    """One partner's answers to one assignment."""

    id: int
    partner_id: int
    partner_position: int
    status: str = Field(description="not_started, draft or submitted.")
    answers: dict[str, Any] = Field(description="By prompt key; a daily log is a list of one object per day.")
    draft_saved_at: datetime | None
    submitted_at: datetime | None


class AssignmentRecord(Record):
    id: int
    exercise_version_id: int = Field(description="An id in exercise_versions.")
    assigned_by_id: int
    starts_on: date
    due_date: date
    days: int | None
    note: str = Field(description="The therapist's note to the couple.")
    sharing: Sharing
    roles: dict[str, str] = Field(description="Exercise role by partner position, for exercises with roles.")
    reviewed_at: datetime | None
    review_comment: str = Field(description="The therapist's private comment.")
    created_at: datetime
    responses: list[ResponseRecord]


class CheckInRecord(Record):
    """One partner's connection check-in for one period (its safety answer is in safety_answers)."""

    id: int
    partner_id: int
    period_start: date
    status: str = Field(description="draft or submitted.")
    ratings: dict[CheckInItem, int | None] = Field(description="0 to 6 by item; empty only in drafts.")
    note_to_therapist: str
    draft_saved_at: datetime | None
    submitted_at: datetime | None


class SafetyAnswerRecord(Record):
    """A partner's private answer to the safety question, written when the check-in was sent."""

    id: int
    checkin_id: int
    partner_id: int
    answer: SafetyChoice | dict = Field(description="One choice (before the six-item screen), or the items and reach_me.")
    created_at: datetime


class SafetyFlagRecord(Record):
    """An answer other than "no", and the therapist's acknowledgement of it."""

    id: int
    partner_id: int
    safety_answer_id: int | None = Field(description="None when an exercise answer raised it.")
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    acknowledgement_note: str


class AuditEventRecord(Record):
    """An entry of the couple's audit trail, with the hashes that chain it to the practice's trail."""

    id: int
    occurred_at: datetime
    actor_kind: str
    actor_id: int | None
    action: str
    record_type: str | None
    record_id: int | None
    remote_addr: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class FileRecord(Record):
    """Another file in the ZIP (for example a session PDF), so the JSON vouches for it."""

    path: str
    media_type: str
    size: int = Field(description="In bytes.")
    sha256: str


class CoupleRecord(Record):
    """A couple's whole record, as exported by their clinician."""

    format: Format = Field(default_factory=Format)
    exported_at: datetime
    exported_by: ClinicianRecord
    practice: PracticeRecord
    couple: CoupleInfo
    partners: list[PartnerRecord]
    exercise_versions: list[ExerciseVersionRecord]
    assignments: list[AssignmentRecord]
    checkins: list[CheckInRecord]
    safety_answers: list[SafetyAnswerRecord]
    safety_flags: list[SafetyFlagRecord]
    audit_events: list[AuditEventRecord] = Field(description="Events about this couple, oldest first.")
    files: list[FileRecord]
