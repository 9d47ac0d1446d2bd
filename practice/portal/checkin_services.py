"""A partner's own connection check-ins, reached only through queries filtered by the signed-in partner.

The answer to the safety question is written here when a check-in is sent
and is never read back by any portal code: not into a draft, not into a
page. It is not kept in drafts either, because a draft is shown again on a
screen someone else may be looking at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from practice.checkins import notices
from practice.checkins.questions import screen_raises_flag, stored_screen
from practice.checkins.schedule import checkins_open, current_period, period_end
from practice.domain import CheckInItem, ConflictError, DomainError, ResponseStatus, SafetyChoice
from practice.extensions import db
from practice.models import CheckIn, Partner, SafetyAnswer, SafetyFlag, utcnow
from practice.platform.database import writing
from practice.portal.homework import SaveResult
from practice.rules.versioning import flush_or_conflict

ALREADY_SENT = "You've already sent this check-in, so it's kept exactly as you wrote it. Nothing was changed."
PAUSED = (
    "Check-ins are paused for now, so there's nothing to send. Your therapist will let you know when they "
    "start again."
)
NEW_PERIOD = (
    "A new check-in period began since you opened this page, so nothing was saved yet. Your answers are "
    "still below: press the button again to save them for this period."
)
STALE = (
    "This check-in was saved from another window or device after you opened it here, so this version "
    "wasn't saved. Your answers are still below: if they're the ones you want to keep, press the button again."
)
INCOMPLETE = "Please answer every question before you send your check-in."
WITHOUT_THERAPIST = (
    "Your therapist isn't reading check-ins on Twofold at the moment, so this one wasn't sent. Your therapist's "
    "practice will be in touch. If you need help now, the crisis contacts are on the Need help now? page."
)


@dataclass(frozen=True)
class CheckInState:
    """Where this partner is with the current period's check-in, for their home page."""

    period: date
    ends: date
    checkin: CheckIn | None

    @property
    def sent(self) -> bool:
        return self.checkin is not None and self.checkin.is_submitted

    @property
    def next_opens(self) -> date:
        return self.ends + timedelta(days=1)


def state(partner: Partner, today: date) -> CheckInState | None:
    """The current period and this partner's check-in in it; None while check-ins are paused."""
    couple = partner.couple
    if not checkins_open(couple):
        return None
    period = current_period(couple, today)
    return CheckInState(period, period_end(couple, period), own_checkin(partner, period))


def own_checkin(partner: Partner, period: date) -> CheckIn | None:
    """This partner's check-in for one period, if they have begun it."""
    return db.session.scalar(
        select(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.period_start == period)
    )


def save_draft(partner: Partner, period: date, expected_version: int | None, today: date,
               ratings: dict[str, int | None], note: str) -> SaveResult:
    """Keep a half-done check-in; refuse a stale window's save and anything after sending."""
    with writing():
        checkin = _writable(partner, period, expected_version, today)
        checkin.set_ratings(ratings)
        checkin.note_to_therapist = note
        checkin.draft_saved_at = utcnow()
        _flush()
        return SaveResult(checkin.version, checkin.draft_saved_at.isoformat())


def submit(partner: Partner, period: date, expected_version: int | None, today: date,
           ratings: dict[str, int | None], note: str, screen: dict[str, SafetyChoice], reach_me: str = "") -> bool:
    """Send the check-in; the safety answers go to their own table, and any worrying one raises ONE flag.

    Returns whether a flag was raised, so the page can offer support straight away."""
    if any(ratings.get(item.value) is None for item in CheckInItem):
        raise DomainError(INCOMPLETE)
    with writing():
        checkin = _writable(partner, period, expected_version, today)
        checkin.set_ratings(ratings)
        checkin.note_to_therapist = note
        checkin.status = ResponseStatus.SUBMITTED.value
        checkin.submitted_at = utcnow()
        answer = SafetyAnswer(checkin=checkin, partner_id=partner.id, couple_id=partner.couple_id,
                              answer=stored_screen(screen, reach_me))
        db.session.add(answer)
        flag = None
        if screen_raises_flag(screen):
            _flush()  # the flag's sealed details name the answer's id
            flag = SafetyFlag.raised_by(answer)
            db.session.add(flag)
            notices.record_for_clinician(flag, partner.couple)  # in the same commit: raised means recorded
        partner.couple.last_activity_at = checkin.submitted_at
        _flush()
        flag_id = flag.id if flag is not None else None
    if flag_id is not None:
        notices.deliver_soon(flag_id)
    return flag_id is not None


def _writable(partner: Partner, period: date, expected_version: int | None, today: date) -> CheckIn:
    """The draft to write to (new if none yet), after every rule that could refuse the save."""
    if not partner.couple.clinician.active:
        raise DomainError(WITHOUT_THERAPIST)
    if not checkins_open(partner.couple):
        raise DomainError(PAUSED)
    if period != current_period(partner.couple, today):
        raise DomainError(NEW_PERIOD)
    checkin = own_checkin(partner, period)
    if checkin is not None and checkin.is_submitted:
        raise DomainError(ALREADY_SENT)
    if (checkin.version if checkin else 0) != expected_version:
        raise ConflictError(STALE)
    if checkin is None:
        checkin = CheckIn(partner_id=partner.id, couple_id=partner.couple_id, period_start=period)
        db.session.add(checkin)
    return checkin


def _flush() -> None:
    """Flush inside the unit of work; a save that raced another window's (same row, or both creating it) is a conflict."""
    flush_or_conflict(ConflictError(STALE), races=(IntegrityError,))

