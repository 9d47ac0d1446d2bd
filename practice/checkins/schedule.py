"""When a check-in is due: periods of `cadence` days counted from the couple's start date."""

from __future__ import annotations

from datetime import date, timedelta

from practice.domain import CoupleStatus
from practice.models import Couple


def period_containing(anchor: date, cadence_days: int, day: date) -> date:
    """The first day of the period that holds `day` (days before the anchor count backwards)."""
    return anchor + timedelta(days=(day - anchor).days // cadence_days * cadence_days)


def current_period(couple: Couple, today: date) -> date:
    """The first day of the couple's check-in period that holds today."""
    return period_containing(couple.start_date, couple.checkin_cadence_days, today)


def period_end(couple: Couple, start: date) -> date:
    """The last day of the period that starts on `start`."""
    return start + timedelta(days=couple.checkin_cadence_days - 1)


def checkins_open(couple: Couple) -> bool:
    """Partners are asked to check in only while the couple is active, the therapist hasn't paused it,
    and the couple's therapist can still sign in to read it (never a check-in into a void)."""
    return couple.status == CoupleStatus.ACTIVE.value and not couple.checkins_paused and couple.clinician.active
