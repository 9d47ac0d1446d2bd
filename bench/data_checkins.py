"""Synthetic weekly check-ins, each sent one with its private safety answer.

Every partner has `checkin_weeks` weeks of check-ins ending with the current
one: ratings drift upwards as therapy goes on, about one week in ten is
skipped, the current week is a draft for one partner and not begun by the
other. A few safety answers are "I'd rather talk about it" and raise a flag,
acknowledged unless it is recent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bench.data import Build, insert_rows
from practice.checkins.schedule import period_containing
from practice.domain import ResponseStatus, SafetyChoice
from practice.models import CheckIn, SafetyAnswer, SafetyFlag
from practice.models.checkins import ITEM_KEYS

CADENCE = 7
NOTES = ("", "", "", "A calmer week. We talked on Sunday without it turning into a row.",
         "Work has been a lot; we've barely seen each other.")
FLAG_EVERY = 397  # roughly one sent check-in in four hundred asks to talk about safety


def checkins(build: Build) -> None:
    """Every partner's weeks of check-ins, the safety answers of those sent, and the few flags."""
    checkin_rows, answers, flags = [], [], []
    for couple_id in range(1, build.size.couples + 1):
        current = period_containing(build.starts[couple_id], CADENCE, build.today)
        for position in (1, 2):
            partner_id = 2 * couple_id - 2 + position
            for week in range(build.size.checkin_weeks):
                row = _checkin(build, len(checkin_rows) + 1, couple_id, partner_id, position, week,
                               current - timedelta(days=CADENCE * week))
                if row is None:
                    continue
                checkin_rows.append(row)
                if row["status"] == ResponseStatus.SUBMITTED.value:
                    answer_id = len(answers) + 1
                    choice = SafetyChoice.TALK if answer_id % FLAG_EVERY == 0 else SafetyChoice.NO
                    answers.append(_safety(build, row, answer_id, choice))
                    if choice != SafetyChoice.NO:
                        flags.append(_flag(build, row, answer_id, len(flags) + 1, acknowledged=week > 1))
    insert_rows(build.connection, CheckIn, checkin_rows)
    insert_rows(build.connection, SafetyAnswer, answers)
    insert_rows(build.connection, SafetyFlag, flags)


def _checkin(build: Build, checkin_id: int, couple_id: int, partner_id: int, position: int, week: int,
             period_start) -> dict | None:
    """One week's check-in, or None for a week this partner skipped (or has not begun yet)."""
    rng = build.rng
    if week == 0 and position == 1:
        return None
    if week > 0 and rng.random() < 0.1:
        return None
    draft = week == 0
    sent = datetime.combine(period_start + timedelta(days=rng.randint(0, 5)), time(20, 30), build.now.tzinfo)
    sent = min(sent, build.now - timedelta(hours=1))
    level = max(0, min(6, 4 - week // 4 + rng.randint(-1, 1)))
    ratings = {key: None if draft and n > 3 else max(0, min(6, level + rng.randint(-1, 1)))
               for n, key in enumerate(ITEM_KEYS)}
    return {
        "id": checkin_id, "partner_id": partner_id, "couple_id": couple_id, "period_start": period_start,
        "status": ResponseStatus.DRAFT.value if draft else ResponseStatus.SUBMITTED.value, **ratings,
        "note_to_therapist": build.encrypt(rng.choice(NOTES)), "draft_saved_at": sent,
        "submitted_at": None if draft else sent, "version": 1, "created_at": sent, "updated_at": sent,
    }


def _safety(build: Build, checkin: dict, answer_id: int, choice: SafetyChoice) -> dict:
    """A sent check-in's safety answer, sealed to its row and its partner as the app seals it (migration 0012)."""
    owners = {"checkin_id": checkin["id"], "partner_id": checkin["partner_id"], "couple_id": checkin["couple_id"]}
    return {"id": answer_id, **owners, "answer": build.seal(choice.value, "safety_answers", "answer", answer_id, owners),
            "created_at": checkin["submitted_at"]}


def _flag(build: Build, checkin: dict, answer_id: int, flag_id: int, acknowledged: bool) -> dict:
    """A flag for a "talk" answer; older ones were acknowledged by the couple's clinician the next day.

    Its partner and answer are sealed in `details`, bound to its couple, as the app writes them.
    """
    clinician_id = (checkin["couple_id"] - 1) % build.size.clinicians + 1
    details = {"partner_id": checkin["partner_id"], "safety_answer_id": answer_id}
    return {
        "id": flag_id, "couple_id": checkin["couple_id"], "raised_at": checkin["submitted_at"],
        "details": build.seal(details, "safety_flags", "details", flag_id, {"couple_id": checkin["couple_id"]}),
        "acknowledged_at": checkin["submitted_at"] + timedelta(days=1) if acknowledged else None,
        "acknowledged_by_id": clinician_id if acknowledged else None,
        "acknowledgement_note": build.encrypt("Talked it through together at the next session." if acknowledged else ""),
        "version": 1,
    }
