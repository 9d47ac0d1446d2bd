"""Demo check-ins that tell a story: for Alex & Sam, feeling appreciated grows as they practise gratitude,
while time together and sexual intimacy stay low; Priya & Jordan slowly find time and touch again.

Every past period has a check-in (with one missed week each, so charts show a
gap) and the current period has none, so a check-in is due for Alex and Sam.
Every safety answer is "no": the demo has no open safety flag.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from practice.checkins.questions import safe_screen, stored_screen
from practice.checkins.schedule import current_period
from practice.domain import ResponseStatus
from practice.extensions import db
from practice.models import CheckIn, Couple, SafetyAnswer

PERIODS = 9
WIGGLE = (0, 1, 0, -1, 0, 0, 1, 0, -1, 0, 1)  # small week-to-week movement, so lines look lived-in

# First partner name of the couple -> partner position -> item key -> (rating in the first period, in the last).
STORIES: dict[str, dict[int, dict[str, tuple[int, int]]]] = {
    "Alex": {
        1: {"closeness": (2, 4), "understood": (3, 4), "appreciated": (1, 5), "affection": (2, 3),
            "time_together": (2, 3), "trust": (4, 5), "intimacy": (1, 2), "overall": (2, 4)},
        2: {"closeness": (1, 4), "understood": (1, 3), "appreciated": (1, 4), "affection": (2, 3),
            "time_together": (1, 2), "trust": (4, 5), "intimacy": (2, 2), "overall": (2, 4)},
    },
    "Priya": {
        1: {"closeness": (3, 4), "understood": (3, 4), "appreciated": (3, 4), "affection": (1, 4),
            "time_together": (1, 4), "trust": (5, 5), "intimacy": (2, 3), "overall": (3, 5)},
        2: {"closeness": (3, 4), "understood": (4, 4), "appreciated": (3, 5), "affection": (2, 4),
            "time_together": (1, 3), "trust": (5, 6), "intimacy": (2, 3), "overall": (3, 4)},
    },
}
MISSED = {("Alex", 1): 3, ("Priya", 2): 5}  # (couple, position) -> the period index that partner skipped
NOTES = {
    ("Alex", 2, 2): "We had a hard weekend, but Alex thanked me for dinner on Monday and it meant a lot.",
    ("Alex", 1, 6): "I'm trying to stay in the room when things get tense. Some days it works.",
}


def seed_checkins(couple: Couple, first_name: str, today: date) -> None:
    """Give the couple their story's past check-ins, unless they already have some."""
    if db.session.scalar(select(CheckIn.id).where(CheckIn.couple_id == couple.id).limit(1)):
        return
    now = current_period(couple, today)
    for index in range(PERIODS):
        period = now - timedelta(days=couple.checkin_cadence_days * (PERIODS - index))
        if period < couple.start_date:
            continue
        for partner in couple.partners:
            if MISSED.get((first_name, partner.position)) != index:
                _checkin(couple, partner, period, index, first_name)


def _checkin(couple: Couple, partner, period: date, index: int, first_name: str) -> None:
    sent = datetime.combine(period + timedelta(days=2), time(19, 30), tzinfo=UTC)
    story = STORIES[first_name][partner.position]
    checkin = CheckIn(
        partner_id=partner.id, couple_id=couple.id, period_start=period, status=ResponseStatus.SUBMITTED.value,
        note_to_therapist=NOTES.get((first_name, partner.position, index), ""),
        draft_saved_at=sent, submitted_at=sent,
    )
    checkin.set_ratings({key: _rating(start, end, index, offset)
                         for offset, (key, (start, end)) in enumerate(story.items())})
    db.session.add(checkin)
    db.session.add(SafetyAnswer(checkin=checkin, partner_id=partner.id, couple_id=couple.id,
                                answer=stored_screen(safe_screen()), created_at=sent))


def _rating(start: int, end: int, index: int, offset: int) -> int:
    """A point on the line from start to end, moved a little, within 0–6."""
    value = round(start + (end - start) * index / (PERIODS - 1)) + WIGGLE[(index + offset) % len(WIGGLE)]
    return max(0, min(6, value))
