"""Rows for tests, made as the app would make them: a practice, clinicians, couples, exercises."""

from __future__ import annotations

from datetime import date
from itertools import count

from practice.extensions import db
from practice.models import Clinician, Couple, Partner, Practice
from practice.platform.passwords import hash_password

PASSWORD = "correct horse battery staple"
_serial = count(1)


# Every practice made for a test can invite partners; a test about the missing numbers blanks them.
CRISIS_NUMBERS = {
    "emergency_label": "Emergency services", "emergency_number": "999",
    "crisis_line_label": "Crisis line", "crisis_line_number": "116 123",
    "dv_line_label": "Domestic abuse helpline", "dv_line_number": "0808 2000 247",
}


def make_practice(**fields) -> Practice:
    practice = Practice(name=fields.pop("name", f"Practice {next(_serial)}"), **(CRISIS_NUMBERS | fields))
    db.session.add(practice)
    db.session.commit()
    return practice


def make_clinician(practice: Practice | None = None, *, owner: bool = False, **fields) -> Clinician:
    practice = practice or make_practice()
    n = next(_serial)
    clinician = Clinician(
        practice=practice,
        name=fields.pop("name", f"Clinician {n}"),
        email=fields.pop("email", f"clinician{n}@example.com"),
        password_hash=hash_password(fields.pop("password", PASSWORD)),
        is_owner=owner,
        **fields,
    )
    db.session.add(clinician)
    db.session.commit()
    return clinician


def make_couple(clinician: Clinician, names=("Alex", "Sam"), **fields) -> Couple:
    couple = Couple(
        clinician=clinician,
        concerns=fields.pop("concerns", ["stonewalling"]),
        stage=fields.pop("stage", "deescalation"),
        start_date=fields.pop("start_date", date(2026, 1, 5)),
        **fields,
    )
    couple.partners = [Partner(position=i, name=name) for i, name in enumerate(names, start=1)]
    db.session.add(couple)
    db.session.commit()
    return couple


def utcnow_plus_days(days: int):
    from datetime import timedelta

    from practice.models import utcnow

    return utcnow() + timedelta(days=days)


ALL_PROMPT_TYPES = [  # one prompt of every type, for previews and answer forms
    {"key": "story", "type": "long_text", "label": "Tell the story"},
    {"key": "word", "type": "short_text", "label": "One word", "required": False},
    {"key": "close", "type": "scale", "label": "How close?", "min_label": "Far apart", "max_label": "Very close"},
    {"key": "talk", "type": "single_choice", "label": "Talk?",
     "options": [{"value": "yes", "label": "Yes, please"}, {"value": "no", "label": "Not yet"}]},
    {"key": "kinds", "type": "multi_choice", "label": "Which kinds?", "max_choices": 2,
     "options": [{"value": "hug", "label": "A hug"}, {"value": "kiss", "label": "A kiss"}, {"value": "hand", "label": "A hand"}]},
    {"key": "log", "type": "daily_log", "label": "Each evening", "days": 3,
     "fields": [{"key": "moment", "type": "short_text", "label": "A moment"}]},
]


def exercise_content(**overrides):
    """Valid content for a small exercise of one's own."""
    from practice.models.exercise_content import ExerciseContent

    data = {
        "title": "Noticing small kindnesses",
        "purpose": "Helps each partner notice the small things the other does.",
        "instructions": "Each evening, write down **one** kind thing your partner did.",
        "minutes": 10, "mode": "individual", "areas": ["taken_for_granted"],
        "strategy": "affection", "stage": "consolidation",
        "prompts": [{"key": "noticed", "type": "long_text", "label": "What did you notice?"}],
    }
    return ExerciseContent.model_validate(data | overrides)


def make_exercise(clinician: Clinician, **overrides):
    """A practice's own exercise at version 1, created by `clinician`."""
    from practice.library.services import create_exercise

    return create_exercise(clinician, exercise_content(**overrides))

LETTERHEAD = {
    "name": "Harbour Couples Practice",
    "address": "12 Quay Street\nBristol BS1 4DJ",
    "phone": "0117 496 0000",
}
