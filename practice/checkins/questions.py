"""What a check-in asks, in the prompt types of the exercise library, so it looks and validates the same.

The eight ratings use the item keys of `practice.domain.CheckInItem`; the
six behaviour-specific safety items follow them (one compound question hid
which behaviour a partner meant and let "no" stand for "not all of those"),
then the free text.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from practice.domain import SAFETY_ITEMS, CheckInItem, SafetyChoice
from practice.library.answer_forms import AnswerForm, prompt_form_class
from practice.models.exercise_content import LongText, Prompt, Scale, SingleChoice

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

SCREEN_INTRO = "A few questions we ask everyone"
SAFETY_HELP = (
    "Your partner can't see this in the app. Your therapist will talk with you about it privately. "
    "A few things, such as a child's safety or someone in immediate danger, they may need to act on."
)
DRAFT_NOTE = "These answers aren't kept in drafts, only when you send your check-in."
SAFETY_ITEM_BY_KEY = {item.key: item for item in SAFETY_ITEMS}
REACH_KEY = "reach_me"
REACH_MAX_LENGTH = 300

_PROMPT = TypeAdapter(Prompt)

RATING_PROMPTS: tuple[Scale, ...] = tuple(
    _PROMPT.validate_python({"type": "scale", "key": item.value, "label": question,
                             "min_label": low, "max_label": high})
    for item, (question, low, high) in RATING_WORDS.items()
)
SAFETY_PROMPTS: tuple[SingleChoice, ...] = tuple(
    _PROMPT.validate_python({
        "type": "single_choice", "key": f"safety_{item.key}", "label": item.question,
        "options": [{"value": choice.value, "label": choice.label} for choice in SafetyChoice],
    })
    for item in SAFETY_ITEMS
)
REACH_PROMPT: LongText = _PROMPT.validate_python({
    "type": "long_text", "key": REACH_KEY, "required": False, "max_length": REACH_MAX_LENGTH,
    "label": "A safe way and time to reach me",
    "help": "Optional. Only your therapist sees this, for example \"text my work phone, weekdays after 2\".",
})
NOTE_PROMPT: LongText = _PROMPT.validate_python({
    "type": "long_text", "key": NOTE_KEY, "required": False, "max_length": NOTE_MAX_LENGTH,
    "label": "Anything you'd like your therapist to know?",
    "help": "Optional. Only your therapist reads this.",
})

CheckInForm: type[AnswerForm] = prompt_form_class((*RATING_PROMPTS, *SAFETY_PROMPTS, REACH_PROMPT, NOTE_PROMPT))


def ratings_of(answers: dict) -> dict[str, int | None]:
    """The eight ratings from a check-in form's answers, by item key."""
    return {item.value: answers.get(item.value) for item in CheckInItem}


def screen_of(answers: dict) -> dict[str, SafetyChoice]:
    """The six safety answers from a sent form's answers, by item key."""
    return {item.key: SafetyChoice(answers[f"safety_{item.key}"]) for item in SAFETY_ITEMS}


def screen_raises_flag(screen: dict[str, SafetyChoice]) -> bool:
    """Whether any item got its worrying answer, or "I'd rather talk about it"."""
    return any(SAFETY_ITEM_BY_KEY[key].raises_flag(choice) for key, choice in screen.items())


def safe_screen() -> dict[str, SafetyChoice]:
    """Every item given its safe answer ("no", and "yes" to feeling safe at home)."""
    return {item.key: SafetyChoice.YES if item.worrying is SafetyChoice.NO else SafetyChoice.NO
            for item in SAFETY_ITEMS}


def stored_screen(screen: dict[str, SafetyChoice], reach_me: str = "") -> dict:
    """The value a `SafetyAnswer` seals: the items' answers and the optional safe way to reach them."""
    return {"items": {key: choice.value for key, choice in screen.items()}, "reach_me": reach_me}
