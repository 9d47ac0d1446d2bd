"""What a check-in asks, in the prompt types of the exercise library, so it looks and validates the same.

The eight ratings use the item keys of `practice.domain.CheckInItem`; the
safety question and the free text follow them.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from practice.domain import CheckInItem, SafetyChoice
from practice.library.answer_forms import AnswerForm, prompt_form_class
from practice.library.schema import LongText, Prompt, Scale, SingleChoice

SAFETY_KEY = "safety"
NOTE_KEY = "note"
NOTE_MAX_LENGTH = 2000

RATING_WORDS: dict[CheckInItem, tuple[str, str, str]] = {  # question, 0 means, 6 means
    CheckInItem.CLOSENESS: ("How close have you felt to your partner lately?", "Far apart", "Very close"),
    CheckInItem.UNDERSTOOD: ("How understood have you felt by your partner?", "Not understood", "Deeply understood"),
    CheckInItem.APPRECIATED: ("How appreciated have you felt for what you bring?", "Unnoticed", "Truly appreciated"),
    CheckInItem.AFFECTION: ("How have affection and touch felt between you (hugs, holding hands, cuddling)?",
                            "Hardly any", "Warm and plenty"),
    CheckInItem.TIME_TOGETHER: ("How has your time together been?", "Hardly any", "Good time together"),
    CheckInItem.TRUST: ("How easy has it been to trust your partner?", "Very hard", "Easy and settled"),
    CheckInItem.INTIMACY: ("How do you feel about your sexual closeness?", "Unhappy with it", "Happy with it"),
    CheckInItem.OVERALL: ("All in all, how do you feel about your relationship right now?", "Very unhappy",
                          "Very happy"),
}

SAFETY_QUESTION = (
    "Since your last check-in, have you felt afraid of your partner, or been hurt, threatened "
    "or controlled by them?"
)
SAFETY_HELP = (
    "We ask everyone this, every time. Only your therapist sees your answer: never your partner. "
    "It isn't kept in drafts, only when you send your check-in."
)

_PROMPT = TypeAdapter(Prompt)

RATING_PROMPTS: tuple[Scale, ...] = tuple(
    _PROMPT.validate_python({"type": "scale", "key": item.value, "label": question,
                             "min_label": low, "max_label": high})
    for item, (question, low, high) in RATING_WORDS.items()
)
SAFETY_PROMPT: SingleChoice = _PROMPT.validate_python({
    "type": "single_choice", "key": SAFETY_KEY, "label": SAFETY_QUESTION, "help": SAFETY_HELP,
    "options": [{"value": choice.value, "label": choice.label} for choice in SafetyChoice],
})
NOTE_PROMPT: LongText = _PROMPT.validate_python({
    "type": "long_text", "key": NOTE_KEY, "required": False, "max_length": NOTE_MAX_LENGTH,
    "label": "Anything you'd like your therapist to know?",
    "help": "Optional. Only your therapist reads this.",
})

CheckInForm: type[AnswerForm] = prompt_form_class((*RATING_PROMPTS, SAFETY_PROMPT, NOTE_PROMPT))


def ratings_of(answers: dict) -> dict[str, int | None]:
    """The eight ratings from a check-in form's answers, by item key."""
    return {item.value: answers.get(item.value) for item in CheckInItem}
