"""Demo homework for Alex & Sam, in every state a therapist meets.

Answers are generated from each prompt's type, in the voices of a pursuing
partner (Sam) and a withdrawing one (Alex), so the demo reads like a real
caseload without hand-writing every field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from practice.domain import ResponseStatus, Sharing
from practice.extensions import db
from practice.models import Assignment, Clinician, Couple, Exercise, Response, utcnow

VOICES = {
    1: {  # Alex, who tends to withdraw
        "long": "When Sam's voice gets sharper I go quiet and find something to fix in the garage. "
                "Inside I'm not calm at all: I'm scared that whatever I say will make it worse.",
        "short": "Quiet and careful",
        "scale": 2,
    },
    2: {  # Sam, who tends to pursue
        "long": "I keep asking and asking because the silence feels like Alex is leaving. "
                "Underneath the frustration I'm lonely, and I want to know I still matter.",
        "short": "Reaching and waiting",
        "scale": 5,
    },
}


@dataclass(frozen=True)
class DemoAssignment:
    slug: str
    due_in_days: int
    sharing: str = Sharing.PRIVATE.value
    states: tuple[str, str] = (ResponseStatus.NOT_STARTED.value, ResponseStatus.NOT_STARTED.value)
    days_filled: tuple[int, int] = (0, 0)
    started_days_ago: int = 7


# Dates fit the demo sessions (practice/demo/sessions.py): the first two were set
# in session 1, fourteen days ago, and reviewed in session 2, seven days ago,
# where the next three were set.
PLAN = (
    DemoAssignment("seeing-our-cycle", -7, Sharing.SHARED_AFTER_BOTH.value, ("submitted", "submitted"), started_days_ago=14),
    DemoAssignment("pausing-without-leaving", 2, states=("submitted", "draft")),
    DemoAssignment("the-feeling-underneath", 4, states=("draft", "not_started")),
    DemoAssignment("daily-gratitude-log", 4, states=("draft", "draft"), days_filled=(3, 2), started_days_ago=3),
    DemoAssignment("naming-our-cycle-together", -7, states=("not_started", "draft"), started_days_ago=14),
    DemoAssignment("listening-to-understand", 6),
)


def seed_homework(couple: Couple, clinician: Clinician, today: date) -> None:
    """Give the couple the demo plan, unless they already have homework."""
    if db.session.scalar(select(Assignment.id).where(Assignment.couple_id == couple.id).limit(1)):
        return
    for plan in PLAN:
        exercise = db.session.scalar(select(Exercise).where(Exercise.slug == plan.slug))
        if exercise is not None:
            db.session.add(_assignment(couple, clinician, exercise, plan, today))


def _assignment(couple, clinician, exercise, plan: DemoAssignment, today: date) -> Assignment:
    version = exercise.latest
    days = next((p["days"] for p in version.prompts if p["type"] == "daily_log"), None)
    assignment = Assignment(
        couple=couple, exercise_version=version, assigned_by=clinician, sharing=plan.sharing,
        starts_on=today - timedelta(days=plan.started_days_ago), due_date=today + timedelta(days=plan.due_in_days),
        days=days,
    )
    for position, status in zip((1, 2), plan.states):
        response = Response(partner=couple.partner(position), partner_position=position, status=status)
        if status != ResponseStatus.NOT_STARTED.value:
            response.answers = answers_for(version.prompts, position, plan.days_filled[position - 1], days)
            response.draft_saved_at = utcnow() - timedelta(days=1)
        if status == ResponseStatus.SUBMITTED.value:
            response.submitted_at = utcnow() - timedelta(days=max(0, -plan.due_in_days) + position)  # by the due date
        assignment.responses.append(response)
    return assignment


def answers_for(prompts: list[dict], position: int, days_filled: int = 0, days: int | None = None) -> dict:
    """Plausible answers to every prompt in one partner's voice."""
    answers = {}
    for prompt in prompts:
        if prompt["type"] == "daily_log":
            total = days or prompt["days"]
            answers[prompt["key"]] = [
                answers_for(prompt["fields"], position) if day < days_filled else {} for day in range(total)
            ]
        else:
            answers[prompt["key"]] = _answer(prompt, position)
    return answers


def _answer(prompt: dict, position: int):
    voice = VOICES[position]
    options = [o["value"] for o in prompt.get("options", [])]
    return {
        "long_text": voice["long"],
        "short_text": voice["short"][: prompt.get("max_length", 200)],
        "scale": voice["scale"],
        "single_choice": options[position % len(options)] if options else None,
        "multi_choice": options[position - 1 : position + 1],
    }[prompt["type"]]
