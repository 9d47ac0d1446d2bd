"""WTForms classes generated from an exercise version's prompts.

The library preview renders them read-only; the partner portal fills them
in. Required prompts are enforced only when a partner submits, so a draft can
be saved half-done; lengths and choices are checked on every save.
"""

from __future__ import annotations

from wtforms import FieldList, Form, FormField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from practice.models.exercise_content import SCALE_POINTS, BasePrompt, ExerciseContent
from practice.web.formtools import FlaskForm, MultiCheckboxField

FIELD_PREFIX = "q_"  # keeps prompt keys clear of Form's own attributes (data, errors, meta...)
CHOOSE_FROM_LIST = "Please choose from the options shown."


def field_name(key: str) -> str:
    """The form field that answers the prompt with this key."""
    return FIELD_PREFIX + key


class Answered:
    """Blank answers skip every other check; a required one must be filled in to submit."""

    def __init__(self, required: bool) -> None:
        self.required = required

    def __call__(self, form, field) -> None:
        data = field.data
        if data not in (None, [], "") and not (isinstance(data, str) and not data.strip()):
            return
        field.errors[:] = []
        if self.required and form.submitting:
            raise StopValidation("Please answer this before you send it.")
        raise StopValidation()


class MaxChoices:
    """No more ticks than the prompt allows."""

    def __init__(self, most: int) -> None:
        self.most = most

    def __call__(self, form, field) -> None:
        if len(field.data or []) > self.most:
            raise ValidationError(f"Please choose up to {self.most}.")


class AnswerRadioField(RadioField):
    """Radio buttons that may be left empty in a draft; a value sent must still be one shown."""

    def pre_validate(self, form) -> None:
        if self.data is not None:
            super().pre_validate(form)


class DayList(FieldList):
    """A daily log's days: day N is always entry N, even when a day was sent with nothing filled in.

    A day with only unticked boxes sends no keys at all; WTForms would then
    number the later days down, moving answers to the wrong day.
    """

    def _extract_indices(self, prefix, formdata):
        return range(self.max_entries)


class PromptFields:
    """Pairs each generated field with the prompt it asks, for templates and for saving."""

    prompts: tuple[BasePrompt, ...] = ()
    submitting = False

    def pairs(self) -> list[tuple[BasePrompt, object]]:
        """(prompt, field) in the order partners see them."""
        return [(prompt, self[field_name(prompt.key)]) for prompt in self.prompts]

    def mark_submitting(self, submitting: bool) -> None:
        """Set whether required prompts are enforced, here and in each day of a daily log that was begun.

        A day left wholly empty is a day skipped, which is fine: life happens.
        A required log with nothing in it at all asks for its first day.
        """
        self.submitting = submitting
        for prompt, field in self.pairs():
            if prompt.type == "daily_log":
                untouched = not any(day.form.has_content() for day in field)
                for index, day in enumerate(field):
                    begun = day.form.has_content() or (untouched and index == 0 and prompt.required)
                    day.form.mark_submitting(submitting and begun)

    def has_content(self) -> bool:
        """Whether anything at all was answered here."""
        return any(value not in (None, "", []) for value in self.answers().values())

    def answers(self) -> dict:
        """The answers by prompt key; a daily log gives one dict per day."""
        return {
            prompt.key: [day.form.answers() for day in field] if prompt.type == "daily_log" else field.data
            for prompt, field in self.pairs()
        }


class AnswerForm(PromptFields, FlaskForm):
    """A partner's answers to one exercise version."""

    def validate_answers(self, *, submitting: bool) -> bool:
        """Validate as a draft (required prompts may be empty) or as a submission."""
        self.mark_submitting(submitting)
        return self.validate()


class DayForm(PromptFields, Form):
    """One day's entry of a daily log (a sub-form, so no CSRF token of its own)."""


def answer_form_class(content: ExerciseContent, *, role: str | None = None, days: int | None = None) -> type[AnswerForm]:
    """The form for the prompts `role` answers (all without a role); `days` overrides each daily log's length."""
    return _form_class(AnswerForm, content.prompts_for(role), days)


def prompt_form_class(prompts: tuple[BasePrompt, ...]) -> type[AnswerForm]:
    """A form for a fixed set of prompts that is not an exercise, such as the connection check-in."""
    return _form_class(AnswerForm, list(prompts))


def preview_form(content: ExerciseContent, role: str | None = None) -> AnswerForm:
    """An empty, token-less instance for showing an exercise as a partner will see it.

    Each role's preview gets its own id prefix, so two on one page never share ids.
    """
    form_class = answer_form_class(content, role=role)
    return form_class(formdata=None, prefix=f"{role}-" if role else "", meta={"csrf": False})


def _form_class(base: type, prompts: list[BasePrompt], days: int | None = None) -> type:
    fields = {field_name(p.key): _field(p, days) for p in prompts}
    return type(f"{base.__name__}ForVersion", (base,), {"prompts": tuple(prompts), **fields})


def _field(prompt, days: int | None):
    common = {"label": prompt.label, "description": prompt.help or ""}
    answered = Answered(prompt.required)
    match prompt.type:
        case "long_text" | "short_text":
            field_class = TextAreaField if prompt.type == "long_text" else StringField
            too_long = f"Please shorten this to {prompt.max_length:,} characters or fewer; nothing has been cut."
            return field_class(validators=[answered, Length(max=prompt.max_length, message=too_long)], **common)
        case "scale":
            choices = [SelectChoice(str(n), str(n)) for n in SCALE_POINTS]
            return AnswerRadioField(validators=[answered], choices=choices, coerce=int,
                                    invalid_choice_message=CHOOSE_FROM_LIST, **common)
        case "single_choice":
            return AnswerRadioField(validators=[answered], choices=_options(prompt),
                                    invalid_choice_message=CHOOSE_FROM_LIST, **common)
        case "multi_choice":
            validators = [answered] + ([MaxChoices(prompt.max_choices)] if prompt.max_choices else [])
            return MultiCheckboxField(validators=validators, choices=_options(prompt),
                                      invalid_choice_message=CHOOSE_FROM_LIST, **common)
        case _:  # daily_log: the same small set of fields, once per day
            length = days or prompt.days
            day = FormField(_form_class(DayForm, prompt.fields))
            return DayList(day, min_entries=length, max_entries=length, **common)


def _options(prompt) -> list[SelectChoice]:
    return [SelectChoice(option.value, option.label) for option in prompt.options]


def form_data(form_class: type[PromptFields], answers: dict) -> dict:
    """Stored answers (by prompt key) as the data a generated form is filled with."""
    data = {}
    for prompt in form_class.prompts:
        value = answers.get(prompt.key)
        if prompt.type == "daily_log":
            value = [{field_name(k): v for k, v in (day or {}).items()} for day in (value or [])]
        data[field_name(prompt.key)] = value
    return data
