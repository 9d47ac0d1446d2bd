"""Which library exercises to suggest to a couple, and why: a pure function over plain data.

Stage (EFT homework supports the couple's stage): a **de-escalation** couple gets de-escalation
work only (restructuring needs the cycle de-escalated; consolidation builds on restructuring);
**restructuring** and **consolidation** couples get every stage, but a restructuring couple gets
consolidation work only once both milestones (withdrawer re-engaging, pursuer softening) are
recorded. Work of the couple's own stage always outranks work of another.

Safety (couple work harms a partner who is being abused): while a **safety flag applies**
(unacknowledged, or raised within the practice's last N weeks) no together-mode and no `vulnerable`
exercise is suggested (the therapist sees "individual safety assessment first", and can still
assign with a written reason), and a **one partner only** exercise is suggested only then. A
`needs_named_concern` exercise needs one of its areas named as a presenting concern: a low trust
rating alone may be fear.

Ranking: points for each low area (more the longer it is low, more when the partners' ratings are
far apart), each presenting concern, and the couple's stage. "Low" is the lower partner's rating,
never the mean. An exercise matching no low area or concern is suggested only from the couple's own
stage; anything assigned within `repeat_weeks` weeks is skipped; ties go by title.
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
GAP_POINTS = 4  # the partners' latest ratings of a low area are WIDE_GAP or more apart
WIDE_GAP = 3


@dataclass(frozen=True)
class Candidate:
    """A library exercise as the ranking sees it (its latest version)."""

    exercise_id: int
    title: str
    areas: tuple[str, ...]
    stage: str
    together: bool = False  # done side by side (mode "together")
    vulnerable: bool = False
    needs_named_concern: bool = False
    one_partner_only: bool = False  # an individual safety plan and the like


@dataclass(frozen=True)
class LowArea:
    """An area the couple rate low: `topic` reads in a sentence ("appreciation")."""

    area: str
    topic: str
    periods: int  # check-ins in a row it has been low
    gap: int = 0  # how far apart the partners' latest ratings are (never which partner is lower)


@dataclass(frozen=True)
class Situation:
    """What is known about the couple."""

    stage: str
    today: date
    concerns: tuple[str, ...] = ()
    low_areas: tuple[LowArea, ...] = ()
    last_assigned: Mapping[int, date] = field(default_factory=dict)  # exercise id -> when last assigned
    period_days: int = 7  # the check-in cadence, for "for 3 weeks"
    safety_flag: bool = False  # a flag is open, or was raised within the practice's last N weeks
    milestones_met: bool = False  # withdrawer re-engagement and softening are both recorded


@dataclass(frozen=True)
class Suggestion:
    """One suggested exercise with its one-line reason."""

    exercise_id: int
    title: str
    reason: str
    score: int
    own_stage: bool = True


SAFETY_FIRST = "individual safety assessment first"


def held_back(candidate: Candidate, situation: Situation) -> bool:
    """Whether the safety rules keep this exercise out of the suggestions (see the module docstring)."""
    if situation.safety_flag and (candidate.together or candidate.vulnerable):
        return True
    if candidate.one_partner_only and not situation.safety_flag:
        return True  # a private safety plan is for the partner a flag speaks of, not general homework
    if candidate.needs_named_concern and not set(candidate.areas) & set(situation.concerns):
        return True
    return (Stage(situation.stage) is Stage.RESTRUCTURING and Stage(candidate.stage) is Stage.CONSOLIDATION
            and not situation.milestones_met)


def suggest(candidates: Iterable[Candidate], situation: Situation, *, limit: int = SUGGESTED,
            repeat_weeks: int = REPEAT_WEEKS) -> list[Suggestion]:
    """The best `limit` exercises for the couple, best first, each with why."""
    stage = Stage(situation.stage)
    recent_since = situation.today - timedelta(weeks=repeat_weeks)
    ranked = []
    for candidate in candidates:
        if Stage(candidate.stage) not in ALLOWED_STAGES[stage] or held_back(candidate, situation):
            continue
        last = situation.last_assigned.get(candidate.exercise_id)
        if last is not None and last > recent_since:
            continue
        suggestion = _score(candidate, situation, own_stage=Stage(candidate.stage) is stage)
        if suggestion is not None:
            ranked.append(suggestion)
    ranked.sort(key=lambda s: (not s.own_stage, -s.score, s.title.lower(), s.exercise_id))
    return ranked[:limit]


def _score(candidate: Candidate, situation: Situation, *, own_stage: bool) -> Suggestion | None:
    lows = [low for low in situation.low_areas if low.area in candidate.areas]
    concerns = [area for area in situation.concerns if area in candidate.areas]
    if not lows and not concerns and not own_stage:
        return None
    score = sum(LOW_POINTS + min(low.periods, LONG_LOW) + (GAP_POINTS if low.gap >= WIDE_GAP else 0) for low in lows)
    score += CONCERN_POINTS * len(concerns)
    reasons = []
    if lows:
        longest = max(lows, key=lambda low: low.periods)
        reasons.append(f"low on {longest.topic} {_for_how_long(longest.periods, situation.period_days)}")
        if any(low.gap >= WIDE_GAP for low in lows):
            reasons.append("the partners' ratings are far apart")
    if concerns:
        reasons.append(f"presenting concern: {Area(concerns[0]).label.lower()}")
    if not reasons:
        reasons.append(f"suits the {Stage(situation.stage).label.lower()} stage")
    return Suggestion(candidate.exercise_id, candidate.title, "; ".join(reasons), score, own_stage)


def _for_how_long(periods: int, period_days: int) -> str:
    """"for 3 weeks" with weekly check-ins; otherwise counted in check-ins."""
    if periods <= 1:
        return "in the latest check-in"
    if period_days == 7:
        return f"for {periods} weeks"
    return f"for {periods} check-ins in a row"
