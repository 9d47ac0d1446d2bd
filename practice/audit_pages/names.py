"""What the trail calls each record: a name people recognise, never a class and an id.

Records of the viewer's own couples are named ("Session 4 with Alex & Sam"). Records of a
colleague's couple are described without names ("Session 4, one of Jamie Okafor's couples"), as
on the owner's undelivered-email list. Anything outside the viewer's practice is only an id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from practice.extensions import db
from practice.models import (
    Assignment,
    AuditEvent,
    BackgroundJob,
    Clinician,
    Couple,
    Exercise,
    ExerciseVersion,
    Partner,
    SafetyFlag,
    SessionAmendment,
    SessionDocument,
    TherapySession,
)

WORDS = {"Couple": "Couple", "TherapySession": "Session", "SessionAmendment": "Amendment", "SessionDocument": "Session PDF",
         "Assignment": "Homework", "SafetyFlag": "Safety flag", "BackgroundJob": "Download", "Partner": "Partner",
         "PartnerInvitation": "Portal link", "ClinicianInvitation": "Team invitation", "Exercise": "Exercise",
         "Clinician": "Clinician", "Practice": "Practice"}


JOINERS = {"Partner": "of", "SafetyFlag": "for", "Assignment": "for", "BackgroundJob": "of"}  # else "with"


def couple_labels(couple_ids: set[int], viewer: Clinician) -> dict[int, tuple[str, bool]]:
    """(how to name the couple, whether it is the viewer's own), for the couples of the viewer's practice."""
    if not couple_ids:
        return {}
    couples = db.session.scalars(
        select(Couple).join(Couple.clinician)
        .where(Couple.id.in_(couple_ids), Clinician.practice_id == viewer.practice_id)
        .options(selectinload(Couple.partners), selectinload(Couple.clinician))
    )
    return {c.id: (c.name, True) if c.clinician_id == viewer.id else (f"one of {c.clinician.name}'s couples", False)
            for c in couples}


def record_names(events: Sequence[AuditEvent], viewer: Clinician) -> dict[int, str]:
    """By event id, what its record is called for `viewer`; an event about no record has no entry."""
    ids: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.record_type and event.record_id is not None:
            ids[event.record_type].add(event.record_id)
    # One statement for every couple named: those the events concern, and couples that are the record.
    couples = couple_labels({e.couple_id for e in events if e.couple_id is not None} | ids.pop("Couple", set()), viewer)
    own_words = {kind: _own_words(kind, found, viewer) for kind, found in ids.items()}
    names = {}
    for event in events:
        if not event.record_type or event.record_id is None:
            continue
        if event.record_type == "Couple":
            couple = couples.get(event.record_id)
            names[event.id] = couple[0] if couple else f"Couple {event.record_id}, not in this practice"
            continue
        known = own_words[event.record_type]
        words = WORDS.get(event.record_type, event.record_type) if known is None else known.get(event.record_id)
        couple = couples.get(event.couple_id)
        if words is None:
            names[event.id] = f"{WORDS.get(event.record_type, event.record_type)} {event.record_id}, not in this practice"
        elif couple:
            joiner = JOINERS.get(event.record_type, "with")
            names[event.id] = f"{words} {joiner} {couple[0]}" if couple[1] else f"{words}, {couple[0]}"
        else:
            names[event.id] = words
    return names


def _own_words(kind: str, ids: set[int], viewer: Clinician) -> dict[int, str] | None:
    """What a record is called by itself, by id, for the records of `kind` inside the viewer's practice.

    None for a kind this module has no words for: it is named by its kind alone, never called foreign.
    """
    in_practice = Clinician.practice_id == viewer.practice_id
    if kind == "TherapySession":
        rows = db.session.execute(select(TherapySession.id, TherapySession.number).join(TherapySession.couple)
                                  .join(Couple.clinician).where(TherapySession.id.in_(ids), in_practice))
        return {id_: f"Session {number}" for id_, number in rows}
    if kind in ("SessionAmendment", "SessionDocument"):
        model, word = ((SessionAmendment, "Amendment to session") if kind == "SessionAmendment"
                       else (SessionDocument, "PDF of session"))
        rows = db.session.execute(select(model.id, TherapySession.number)
                                  .join(TherapySession, model.session_id == TherapySession.id)
                                  .join(TherapySession.couple).join(Couple.clinician)
                                  .where(model.id.in_(ids), in_practice))
        return {id_: f"{word} {number}" for id_, number in rows}
    if kind == "Assignment":
        rows = db.session.execute(select(Assignment.id, ExerciseVersion.title).join(Assignment.exercise_version)
                                  .join(Assignment.couple).join(Couple.clinician)
                                  .where(Assignment.id.in_(ids), in_practice))
        return {id_: f"Homework “{title}”" for id_, title in rows}
    if kind == "Partner":
        partners = db.session.scalars(select(Partner).join(Partner.couple).join(Couple.clinician)
                                      .where(Partner.id.in_(ids), in_practice))
        return {p.id: f"Partner {p.position}" for p in partners}
    if kind == "SafetyFlag":
        rows = db.session.scalars(select(SafetyFlag.id).join(Couple, SafetyFlag.couple_id == Couple.id)
                                  .join(Couple.clinician).where(SafetyFlag.id.in_(ids), in_practice))
        return {id_: "Safety flag" for id_ in rows}
    if kind == "BackgroundJob":
        rows = db.session.scalars(select(BackgroundJob.id).join(Clinician, BackgroundJob.clinician_id == Clinician.id)
                                  .where(BackgroundJob.id.in_(ids), in_practice))
        return {id_: "Record export" for id_ in rows}
    if kind == "Clinician":
        return dict(db.session.execute(select(Clinician.id, Clinician.name).where(Clinician.id.in_(ids), in_practice)).all())
    if kind == "Practice":
        return {viewer.practice_id: "Practice settings"} if viewer.practice_id in ids else {}
    if kind == "Exercise":
        rows = db.session.execute(select(Exercise.id, ExerciseVersion.title).join(Exercise.latest)
                                  .where(Exercise.id.in_(ids),
                                         (Exercise.practice_id.is_(None)) | (Exercise.practice_id == viewer.practice_id)))
        return {id_: f"Exercise “{title}”" for id_, title in rows}
    return None
