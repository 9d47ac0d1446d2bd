"""Exercise answers that raise the private safety flag, as a worrying check-in answer does.

A choice prompt may name options in `raises_safety_flag` ("Pressured" in the
sexual-intimacy reflection). When sent homework picks one, anywhere, including
a day of a daily log, the same sealed flag is raised for the clinician and the
same notices go out. Nothing about it changes what the partner sees.
"""

from __future__ import annotations

from practice.models.exercise_content import ExerciseContent


def prompts_raising_flag(content: ExerciseContent, answers: dict) -> list[str]:
    """The labels of the choice prompts whose sent answer picked an option that raises the flag."""
    found: list[str] = []
    for prompt in content.prompts:
        if prompt.type == "daily_log":
            days = answers.get(prompt.key) or []
            for field in prompt.fields:
                if any(_picks_flagged(field, day.get(field.key)) for day in days if isinstance(day, dict)):
                    found.append(f"{prompt.label}: {field.label}")
        elif _picks_flagged(prompt, answers.get(prompt.key)):
            found.append(prompt.label)
    return found


def _picks_flagged(prompt, value) -> bool:
    flagged = set(getattr(prompt, "raises_safety_flag", ()) or ())
    if not flagged or value in (None, ""):
        return False
    chosen = value if isinstance(value, list) else [value]
    return any(choice in flagged for choice in chosen)
