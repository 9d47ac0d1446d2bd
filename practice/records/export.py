"""Export a couple's whole record as a ZIP: `record.json`, its JSON Schema, and attached files.

The JSON follows `practice.records.schema.CoupleRecord`. Other features add
files (such as the PDFs of signed sessions) in one place: a function taking
the couple and yielding `Attachment`s, listed in ATTACHMENT_SOURCES. Each file
is listed in the JSON with its size and SHA-256.

The record is read in one read transaction, which then ends: the ZIP is
deflated with no transaction open, and the audit event is written in its
own short unit of work, so a long export never keeps anyone else waiting.
Safety screen answers are exported decrypted, in both shapes (the six-item
`{"items", "reach_me"}` screen and the older single choice), with the flags
they raised.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from practice import audit
from practice.documents.attachments import Attachment
from practice.extensions import db
from practice.models import (
    Assignment,
    AuditEvent,
    CheckIn,
    Clinician,
    Couple,
    ExerciseVersion,
    SafetyAnswer,
    SafetyFlag,
    utcnow,
)
from practice.platform.database import writing
from practice.records import schema
from practice.sessions.frozen import signed_session_pdfs

RECORD_FILE = "record.json"
SCHEMA_FILE = "record.schema.json"


AttachmentSource = Callable[[Couple], Iterable[Attachment]]

# The one place features add files to a couple's export.
ATTACHMENT_SOURCES: tuple[AttachmentSource, ...] = (signed_session_pdfs,)


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes


def export_couple(couple: Couple, clinician: Clinician) -> Export:
    """Build the ZIP for an (already authorised) couple and record the export in the audit trail."""
    couple_id = couple.id
    attachments = collect_attachments(couple)
    record = build_record(couple, clinician, attachments)
    db.session.rollback()  # the read ends here (nothing in it is a change): the slow part holds no snapshot
    data = write_zip(record, attachments)
    with writing():
        audit.record(audit.AuditAction.EXPORT, record_type="Couple", record_id=couple_id, couple_id=couple_id,
                     actor=clinician, practice_id=record.practice.id,
                     detail={"schema_version": schema.SCHEMA_VERSION, "files": len(attachments)})
    return Export(f"twofold-couple-{couple_id}-{record.exported_at:%Y-%m-%d}.zip", data)


def collect_attachments(couple: Couple) -> list[Attachment]:
    """Every registered source's files, refusing paths that could escape or collide."""
    attachments = [attachment for source in ATTACHMENT_SOURCES for attachment in source(couple)]
    seen = {RECORD_FILE, SCHEMA_FILE}
    for attachment in attachments:
        path = PurePosixPath(attachment.path)
        if path.is_absolute() or ".." in path.parts or "\\" in attachment.path or attachment.path in seen:
            raise ValueError(f"An export attachment cannot be stored at {attachment.path!r}.")
        seen.add(attachment.path)
    return attachments


def write_zip(record: schema.CoupleRecord, attachments: list[Attachment]) -> bytes:
    """record.json, record.schema.json and the attachments, deflated."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(RECORD_FILE, record.model_dump_json(indent=2))
        archive.writestr(SCHEMA_FILE, json.dumps(schema.CoupleRecord.model_json_schema(), indent=2))
        for attachment in attachments:
            archive.writestr(attachment.path, attachment.content)
    return buffer.getvalue()


def build_record(couple: Couple, clinician: Clinician, attachments: list[Attachment]) -> schema.CoupleRecord:
    """Everything Twofold holds about the couple, validated against the schema."""
    assignments = list(db.session.scalars(
        select(Assignment).where(Assignment.couple_id == couple.id)
        .options(selectinload(Assignment.responses), selectinload(Assignment.exercise_version))
        .order_by(Assignment.id)
    ))
    versions = {a.exercise_version.id: a.exercise_version for a in assignments}
    return schema.CoupleRecord(
        exported_at=utcnow(),
        exported_by=_clinician(clinician),
        practice=schema.PracticeRecord(**_columns(couple.clinician.practice, schema.PracticeRecord)),
        couple=schema.CoupleInfo(clinician=_clinician(couple.clinician),
                                 **_columns(couple, schema.CoupleInfo, skip=("clinician",))),
        partners=[schema.PartnerRecord(**_columns(p, schema.PartnerRecord)) for p in couple.partners],
        exercise_versions=[_version(versions[key]) for key in sorted(versions)],
        assignments=[_assignment(a) for a in assignments],
        checkins=[_checkin(c) for c in _rows(CheckIn, CheckIn.couple_id == couple.id)],
        safety_answers=[schema.SafetyAnswerRecord(**_columns(a, schema.SafetyAnswerRecord))
                        for a in _rows(SafetyAnswer, SafetyAnswer.couple_id == couple.id)],
        safety_flags=[schema.SafetyFlagRecord(**_columns(f, schema.SafetyFlagRecord))
                      for f in _rows(SafetyFlag, SafetyFlag.couple_id == couple.id)],
        audit_events=[schema.AuditEventRecord(**_columns(e, schema.AuditEventRecord))
                      for e in _rows(AuditEvent, AuditEvent.couple_id == couple.id)],
        files=[schema.FileRecord(path=a.path, media_type=a.media_type, size=len(a.content),
                                 sha256=hashlib.sha256(a.content).hexdigest()) for a in attachments],
    )


def _rows(model, condition) -> list:
    return list(db.session.scalars(select(model).where(condition).order_by(model.id)))


def _columns(row, record_type: type[schema.Record], skip: tuple[str, ...] = ()) -> dict:
    """The row's values for the record's fields, minus `skip` (nested records the caller builds).

    The schema is the allow-list: a column it does not name (a password hash,
    a token) is never read, and a field the row lacks fails loudly.
    """
    return {name: getattr(row, name) for name in record_type.model_fields if name not in skip}


def _clinician(clinician: Clinician) -> schema.ClinicianRecord:
    return schema.ClinicianRecord(**_columns(clinician, schema.ClinicianRecord))


def _version(version: ExerciseVersion) -> schema.ExerciseVersionRecord:
    return schema.ExerciseVersionRecord(**_columns(version, schema.ExerciseVersionRecord))


def _assignment(assignment: Assignment) -> schema.AssignmentRecord:
    responses = [schema.ResponseRecord(**_columns(r, schema.ResponseRecord)) for r in assignment.responses]
    columns = _columns(assignment, schema.AssignmentRecord, skip=("responses",))
    return schema.AssignmentRecord(responses=responses, **columns)


def _checkin(checkin: CheckIn) -> schema.CheckInRecord:
    return schema.CheckInRecord(**_columns(checkin, schema.CheckInRecord))
