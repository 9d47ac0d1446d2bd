"""Which library exercises to suggest to a couple, and why: a pure function over plain data.

The stage rule (EFT homework supports the stage the couple is in):

- A couple in **de-escalation** is offered de-escalation work only. Restructuring
  work (softening, reaching, injury repair) needs the cycle de-escalated first,
  and consolidation work builds on restructuring.
- A couple in **restructuring** is offered work from every stage: de-escalation
  work to steady the cycle, restructuring work, and consolidation work for
  practising the new ways as they begin to hold.
- A couple in **consolidation** is offered work from every stage.

Work from the couple's own stage ranks above work from another stage.

Ranking: an exercise earns points for each of its areas that is low in the
couple's latest check-ins (more the longer it has been low), for each area
that is a presenting concern, and for matching the couple's stage. An
exercise that matches no low area and no concern is suggested only when it
is of the couple's own stage. Anything assigned to the couple within the last
`repeat_weeks` weeks is skipped. Ties go by title, so the list is stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from practice.domain import Area, Stage

REPEAT_WEEKS = 4
SUGGESTED = 5

ALLOWED_STAGES: dict[Stage, frozenset[Stage]] = {
    Stage.DEESCALATION: frozenset({Stage.DEESCALATION}),
    Stage.RESTRUCTURING: frozenset(Stage),
    Stage.CONSOLIDATION: frozenset(Stage),
}

LOW_POINTS = 10  # per low area, plus one per check-in it has been low (up to LONG_LOW)
LONG_LOW = 5
CONCERN_POINTS = 5
OWN_STAGE_POINTS = 3


@dataclass(frozen=True)
class Candidate:
    """A library exercise as the ranking sees it (its latest version)."""

    exercise_id: int
    title: str
    areas: tuple[str, ...]
    stage: str


@dataclass(frozen=True)
class LowArea:
    """An area the couple rate low: `topic` reads in a sentence ("appreciation")."""

    area: str
    topic: str
    periods: int  # check-ins in a row it has been low


@dataclass(frozen=True)
class Situation:
    """What is known about the couple."""

    stage: str
    today: date
    concerns: tuple[str, ...] = ()
    low_areas: tuple[LowArea, ...] = ()
    last_assigned: Mapping[int, date] = field(default_factory=dict)  # exercise id -> when last assigned
    period_days: int = 7  # the check-in cadence, for "for 3 weeks"


@dataclass(frozen=True)
class Suggestion:
    """One suggested exercise with its one-line reason."""

    exercise_id: int
    title: str
    reason: str
    score: int


def suggest(candidates: Iterable[Candidate], situation: Situation, *, limit: int = SUGGESTED,
            repeat_weeks: int = REPEAT_WEEKS) -> list[Suggestion]:
    """The best `limit` exercises for the couple, best first, each with why."""
    stage = Stage(situation.stage)
    recent_since = situation.today - timedelta(weeks=repeat_weeks)
    ranked = []
    for candidate in candidates:
        if Stage(candidate.stage) not in ALLOWED_STAGES[stage]:
            continue
        last = situation.last_assigned.get(candidate.exercise_id)
        if last is not None and last > recent_since:
            continue
        suggestion = _score(candidate, situation, own_stage=Stage(candidate.stage) is stage)
        if suggestion is not None:
            ranked.append(suggestion)
    ranked.sort(key=lambda s: (-s.score, s.title.lower(), s.exercise_id))
    return ranked[:limit]


def _score(candidate: Candidate, situation: Situation, *, own_stage: bool) -> Suggestion | None:
    lows = [low for low in situation.low_areas if low.area in candidate.areas]
    concerns = [area for area in situation.concerns if area in candidate.areas]
    if not lows and not concerns and not own_stage:
        return None
    score = sum(LOW_POINTS + min(low.periods, LONG_LOW) for low in lows)
    score += CONCERN_POINTS * len(concerns) + (OWN_STAGE_POINTS if own_stage else 0)
    reasons = []
    if lows:
        longest = max(lows, key=lambda low: low.periods)
        reasons.append(f"low on {longest.topic} {_for_how_long(longest.periods, situation.period_days)}")
    if concerns:
        reasons.append(f"presenting concern: {Area(concerns[0]).label.lower()}")
    if not reasons:
        reasons.append(f"suits the {Stage(situation.stage).label.lower()} stage")
    return Suggestion(candidate.exercise_id, candidate.title, "; ".join(reasons), score)


def _for_how_long(periods: int, period_days: int) -> str:
    """"for 3 weeks" with weekly check-ins; otherwise counted in check-ins."""
    if periods <= 1:
        return "in the latest check-in"
    if period_days == 7:
        return f"for {periods} weeks"
    return f"for {periods} check-ins in a row"
