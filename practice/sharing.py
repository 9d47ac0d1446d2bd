"""The one place that decides what one partner's private data may reach the other partner.

Two rules live here and nowhere else: `other_answers_visible` (may a partner read the other's
homework answers) and `checkin_scores_decision`, over the pure `decide_checkin_scores` (may
couple-facing output show any figure derived from check-ins). Such a figure needs *both* partners'
yes (with two people a combined figure plus your own gives the other's), and none is shown while a
safety flag is open or was raised in the last eight weeks; the therapist's tick only asks.
`couple_facing_progress` is the only way couple-facing code gets check-in figures.

Couple-facing surfaces: the couple handout PDF (`practice.documents.session_pdfs.handout_for`, also
the therapist's preview, the portal download and a record export); every portal page
(`practice.portal`: sign-in, home, the answer and check-in forms with their autosave, sent, paused
and support pages, handout download, "Sharing my scores", "Need help now?", sign-out), which shows
no check-in figure but the signed-in partner's own; emails to partners (homework names and a link
only); and shared answers on `shared_after_both` homework, never drafts or safety answers. The
clinician's pages and copy show everything. `tests/test_sharing_canaries.py` checks every surface partner A can reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import or_, select

from practice.domain import ResponseStatus, Sharing

T = TypeVar("T")

SAFETY_QUIET_PERIOD = timedelta(weeks=8)  # no scores in couple-facing output for this long after a safety flag


def other_answers_visible(sharing: str, statuses: list[str]) -> bool:
    """True only for `shared_after_both` homework given to both partners, once both have submitted.

    `statuses` are those of every response of the assignment (one per assigned partner). Safety answers
    are outside this rule: they are never shown to a partner at all.
    """
    return (
        sharing == Sharing.SHARED_AFTER_BOTH.value
        and len(statuses) == 2
        and all(status == ResponseStatus.SUBMITTED.value for status in statuses)
    )


@dataclass(frozen=True)
class FlagTimes:
    """When a safety flag was raised and (if it was) acknowledged; nothing else about it."""

    raised_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class ScoreDecision:
    """Whether couple-facing output may show check-in figures, and (for the therapist only) why not."""

    allowed: bool
    asked: bool  # the therapist ticked "include our progress"
    not_agreed: tuple[str, ...]  # names of the partners who have not said yes
    safety_hold: bool  # a safety flag is open, or was raised within SAFETY_QUIET_PERIOD

    def reasons(self) -> list[str]:
        """Plain words for the therapist's session page; never shown to a partner."""
        reasons = []
        if not self.asked:
            reasons.append("you have not chosen to include the couple's progress")
        if len(self.not_agreed) == 2:
            reasons.append(f"neither {self.not_agreed[0]} nor {self.not_agreed[1]} has agreed to share their "
                           "check-in scores yet")
        elif self.not_agreed:
            reasons.append(f"{self.not_agreed[0]} has not agreed to share their check-in scores")
        if self.safety_hold:
            reasons.append("a safety flag on this couple is open or was raised in the last 8 weeks")
        return reasons


def decide_checkin_scores(partners: Sequence[tuple[str, bool]], flags: Iterable[FlagTimes], as_of: datetime,
                          *, asked: bool = True) -> ScoreDecision:
    """The rule itself, as a pure function of the partners' answers, the couple's flags and a time.

    `partners` are (name, said yes) for both. A flag holds scores back if it was open at `as_of` or was
    raised less than SAFETY_QUIET_PERIOD before `as_of` (or after it).
    """
    not_agreed = tuple(name for name, yes in partners if not yes)
    safety_hold = any(
        flag.acknowledged_at is None or flag.acknowledged_at > as_of or flag.raised_at > as_of - SAFETY_QUIET_PERIOD
        for flag in flags
    )
    allowed = asked and len(partners) == 2 and not not_agreed and not safety_hold
    return ScoreDecision(allowed=allowed, asked=asked, not_agreed=not_agreed, safety_hold=safety_hold)


def checkin_scores_decision(couple, as_of: datetime, *, asked: bool = True) -> ScoreDecision:
    """`decide_checkin_scores` for a stored couple: their partners' consent now and their flags near `as_of`.

    Without the therapist's tick the answer is no whatever the flags say, so
    they are not read (one statement fewer on every session page).
    """
    from practice.extensions import db
    from practice.models import SafetyFlag

    partners = [(p.name, bool(p.shares_checkin_scores)) for p in couple.partners]
    if not asked:
        return decide_checkin_scores(partners, (), as_of, asked=False)
    flags = db.session.execute(
        select(SafetyFlag.raised_at, SafetyFlag.acknowledged_at).where(
            SafetyFlag.couple_id == couple.id,
            or_(SafetyFlag.acknowledged_at.is_(None), SafetyFlag.acknowledged_at > as_of,
                SafetyFlag.raised_at > as_of - SAFETY_QUIET_PERIOD),
        )
    )
    return decide_checkin_scores(partners, (FlagTimes(*row) for row in flags), as_of, asked=asked)


def couple_facing_progress(couple, mode: str, day: date, as_of: datetime, figures: Callable[[object, date], T]) -> T | None:
    """`figures(couple, day)` (the check-in progress) for couple-facing output, or None whenever the rule says no.

    `mode` is the therapist's tick ("" for none, or a couple progress mode); `day`, the date it runs to.
    The only way couple-facing code gets check-in figures: the caller says how, this says whether.
    """
    if not mode or not checkin_scores_decision(couple, as_of, asked=True).allowed:
        return None
    return figures(couple, day)
