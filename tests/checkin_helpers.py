"""Helpers for check-in tests: fill in the portal form like a browser, and plant check-ins directly."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from practice.checkins.questions import safe_screen, stored_screen
from practice.checkins.schedule import current_period
from practice.domain import SAFETY_ITEMS, CheckInItem, ResponseStatus, SafetyChoice
from practice.extensions import db
from practice.models import CheckIn, Couple, Partner, SafetyAnswer, SafetyFlag
from practice.portal import checkin_services as portal_checkins
from practice.web.templating import practice_today

ALL_THREES = {f"q_{item.value}": "3" for item in CheckInItem}
URL = "/portal/check-in"


def hidden(page: bytes, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"'.encode(), page).group(1).decode()


def fill_in(browser, action: str, *, ratings: dict | None = None, safety: str | None = "no", note: str = "",
            version: str | None = None, period: str | None = None):
    """Open the check-in page, then post it with these answers (the page's version and period unless given)."""
    page = browser.get(URL).data
    data = (ALL_THREES if ratings is None else ratings) | {
        "q_note": note, "action": action,
        "version": version if version is not None else hidden(page, "version"),
        "period": period if period is not None else hidden(page, "period"),
    }
    if safety is not None:
        data |= {f"q_safety_{key}": value for key, value in screen_answers(safety).items()}
    return browser.post_form(URL, data)


def screen_answers(safety: str | dict) -> dict[str, str]:
    """The six items' answers: a dict as given, or one word ("no", "yes", "talk") for a safe or worrying screen.

    "no" answers every item the safe way; "yes" and "talk" give that answer to
    "afraid" and the safe answer to the rest.
    """
    if isinstance(safety, dict):
        return {item.key: "no" for item in SAFETY_ITEMS} | {"safe_at_home": "yes"} | safety
    safe = {item.key: "yes" if item.worrying is SafetyChoice.NO else "no" for item in SAFETY_ITEMS}
    return safe if safety == "no" else safe | {"afraid": safety}


def raise_flag(partner: Partner, answer: SafetyChoice = SafetyChoice.YES, note: str = "",
               reach_me: str = "") -> SafetyFlag:
    """Send this week's check-in through the real service with a safety answer that raises a flag."""
    today = practice_today()
    screen = {key: SafetyChoice(value) for key, value in screen_answers(answer.value).items()}
    portal_checkins.submit(partner, current_period(partner.couple, today), 0, today,
                           {item.value: 3 for item in CheckInItem}, note, screen, reach_me)
    flags = db.session.scalars(
        select(SafetyFlag).where(SafetyFlag.couple_id == partner.couple_id).order_by(SafetyFlag.id.desc()))
    return next(f for f in flags if f.partner_id == partner.id)  # which partner is sealed, not a column


def plant(couple: Couple, position: int, period: date, ratings: dict[str, int] | int = 3, note: str = "",
          status: str = ResponseStatus.SUBMITTED.value) -> CheckIn:
    """A check-in row written straight to the database (for progress tests); `ratings` may be one value for all."""
    values = ratings if isinstance(ratings, dict) else {item.value: ratings for item in CheckInItem}
    partner = couple.partner(position)
    sent = datetime.combine(period, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    checkin = CheckIn(partner_id=partner.id, couple_id=couple.id, period_start=period, status=status,
                      note_to_therapist=note, submitted_at=sent if status == ResponseStatus.SUBMITTED.value else None)
    checkin.set_ratings(values)
    db.session.add(checkin)
    if status == ResponseStatus.SUBMITTED.value:
        db.session.add(SafetyAnswer(checkin=checkin, partner_id=partner.id, couple_id=couple.id,
                                    answer=stored_screen(safe_screen())))
    db.session.commit()
    return checkin


def plant_flag(couple: Couple, position: int, period: date, answer: str | dict = "yes") -> SafetyFlag:
    """Last period's check-in with a safety answer that raised a flag, written straight to the database.

    A plain string is the single answer of the old one-question screen, as rows written before the six items hold.
    """
    checkin = plant(couple, position, period)
    safety = db.session.scalar(select(SafetyAnswer).where(SafetyAnswer.checkin_id == checkin.id))
    safety.answer = answer
    db.session.flush()
    flag = SafetyFlag.raised_by(safety)
    db.session.add(flag)
    db.session.commit()
    return flag
