"""Library forms: the browse filters, and the exercise builder with its prompt sub-forms.

The builder's fields mirror the exercise schema, so the same rules check a
typed exercise and a built-in file; schema errors come back with a path
(`prompts.2.options`) that `ExerciseForm` follows to the field to show them on.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import ValidationError
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from practice.domain import Area, Mode, Stage, Strategy, choices
from practice.library.services import Criteria
from practice.models.exercise_content import ExerciseContent, describe, location
from practice.web.formtools import FlaskForm, MultiCheckboxField, PlainText, leaf_fields, strip, version_required

PROMPT_TYPE_LABELS = {
    "long_text": "Long answer",
    "short_text": "Short answer",
    "scale": "Rating from 0 to 6",
    "single_choice": "One choice",
    "multi_choice": "Several choices",
    "daily_log": "Daily log",
}
TYPE_SETTINGS = {
    "long_text": ("max_length",),
    "short_text": ("max_length",),
    "scale": ("min_label", "max_label"),
    "single_choice": ("options", "raises_safety_flag"),
    "multi_choice": ("options", "max_choices", "raises_safety_flag"),
    "daily_log": ("days", "fields"),
}
LINE_FIELDS = {"options", "roles"}  # one item per line: errors say which line
CHOICES = ("mode", "strategy", "stage")
SAFETY = ("never_shared", "one_partner_only", "practise_in_session_first", "safety_line", "vulnerable", "needs_named_concern")
METADATA = ("title", "purpose", "instructions", "minutes", "mode", "areas", "strategy", "stage", "show_crisis_resources",
            *SAFETY)
NEW_EXERCISE = {"mode": Mode.INDIVIDUAL.value, "prompts": [{"type": "long_text", "required": True}]}
TIME_CHOICES = [SelectChoice("", "Any length")] + [SelectChoice(str(m), f"Up to {m} minutes") for m in (10, 15, 20, 30, 45, 60)]


def any_of(enum, label: str) -> list[SelectChoice]:
    """A filter's options: "any", then every key of the enum."""
    return [SelectChoice("", label), *choices(enum)]


class LibraryFilterForm(FlaskForm):
    """The library page's filters (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Search titles and purposes", filters=[strip], validators=[Length(max=100)])
    area = SelectField("Area", choices=any_of(Area, "Any area"), default="")
    strategy = SelectField("Strategy", choices=any_of(Strategy, "Any strategy"), default="")
    stage = SelectField("EFT stage", choices=any_of(Stage, "Any stage"), default="")
    mode = SelectField("How", choices=any_of(Mode, "Alone or together"), default="")
    max_minutes = SelectField("Time", choices=TIME_CHOICES, default="")
    show_retired = BooleanField("Include retired exercises")

    def criteria(self) -> Criteria:
        """The valid filters as service criteria; a tampered or over-long value is simply ignored."""

        def valid(field):
            return None if field.errors else field.data or None

        minutes = valid(self.max_minutes)
        return Criteria(
            search=valid(self.q), area=valid(self.area), strategy=valid(self.strategy), stage=valid(self.stage),
            mode=valid(self.mode), max_minutes=int(minutes) if minutes else None, show_retired=self.show_retired.data,
        )


class WholeNumberField(IntegerField):
    """A number box: blank means "not given", anything else must be a whole number."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError("Please enter a whole number.") from None


def text_field(label: str, description: str = "", area: bool = False, markdown: bool = False):
    """A trimmed text box for words partners read: invisible characters and HTML tags are refused.

    Markdown text is left to the content schema, whose refusal of a tag says how to format instead.
    """
    field_class = TextAreaField if area else StringField
    rule = PlainText(allow_markup_chars=True, partners_read=not markdown)
    return field_class(label, filters=[strip], validators=[rule], description=description)


class LogFieldForm(Form):
    """One question: of the exercise, or asked each day of a daily log."""

    type = HiddenField()
    label = text_field("Question")
    help = text_field("Help text (optional)", "Shown under the question, for example “Choose any that fit.”")
    required = BooleanField("Partners must answer this")
    key = text_field("Short name (optional)", "Lowercase letters, digits and underscores; made from the question "
                     "if left empty. It names the answer in exports, so it is best left alone once in use.")
    max_length = WholeNumberField("Longest answer, in characters (optional)")
    min_label = text_field("What 0 means", "For example “Not at all”.")
    max_label = text_field("What 6 means", "For example “Completely”.")
    options = text_field("Options, one per line", "To give an option a fixed short name, write it first with a bar: "
                         "often | Often", area=True)
    max_choices = WholeNumberField("Most options a partner may choose (optional)")
    # Offered as the options typed above; a value that is not one of them is refused by the schema, with its message.
    raises_safety_flag = MultiCheckboxField(
        "Options that raise the private safety flag (optional)", validate_choice=False,
        description="When a partner sends one of these, you are told privately, exactly as for a safety answer in "
                    "a check-in. Their partner never sees it.",
    )


class PromptForm(LogFieldForm):
    """One prompt of the exercise, which may belong to a role or be a daily log."""

    role = SelectField("Who answers", default="", invalid_choice_message="Please choose one of the roles listed above.")
    days = WholeNumberField("Number of days")
    fields = FieldList(FormField(LogFieldForm), label="Daily field")


class ExerciseForm(FlaskForm):
    """The exercise builder: metadata and a list of prompts, all re-shown as typed."""

    title = text_field("Title", "Partners see this.")
    purpose = text_field("Purpose", "One paragraph for you and your colleagues: what this exercise is for.", area=True)
    instructions = text_field(
        "Instructions for partners",
        "Warm and plain. Markdown works: **bold**, *italic*, and lists starting with “- ”.", area=True, markdown=True,
    )
    minutes = WholeNumberField("About how many minutes?")
    mode = RadioField("How partners do it", choices=choices(Mode), invalid_choice_message="Please choose one.")
    areas = MultiCheckboxField("Areas it helps with (up to three)", choices=choices(Area))
    strategy = SelectField("Strategy", choices=any_of(Strategy, "Choose a strategy"), default="")
    stage = RadioField("EFT stage", choices=choices(Stage), invalid_choice_message="Please choose a stage.")
    show_crisis_resources = BooleanField("Show the practice's crisis resources with this exercise")
    never_shared = BooleanField(
        "Never shared between partners",
        description="Each partner's answers go to you only: “shared once both have sent” isn't offered when you assign it.",
    )
    one_partner_only = BooleanField(
        "For one partner only",
        description="Given to one partner and left out of everything the couple sees together. It is done "
                    "“Each partner alone” and is never shared, so tick that too.",
    )
    practise_in_session_first = BooleanField(
        "Practise in session first",
        description="A vulnerable step to try at home only after practising it with you: you confirm the "
                    "in-session step before assigning it. Say so in the instructions too.",
    )
    safety_line = BooleanField(
        "Show the standard safety line",
        description="For anything that asks a partner to soften, to come back after a pause or to own their part: "
                    "partners read what to do if they are afraid of their partner, as on the preview.",
    )
    vulnerable = BooleanField(
        "Vulnerable work",
        description="Asks for softening, reaching, attachment disclosure, trust repair or sexual intimacy: not "
                    "suggested while a couple has a safety flag open or recent.",
    )
    needs_named_concern = BooleanField(
        "Only for a named concern",
        description="Suggested only when one of its areas is among the couple's presenting concerns.",
    )
    roles = text_field(
        "Roles", "Leave empty when both partners answer the same questions. Otherwise give two roles, one per "
        "line, for example “The partner who was hurt”.", area=True,
    )
    prompts = FieldList(FormField(PromptForm), label="Question")
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])  # new records have none yet

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group_errors: dict[str, list[str]] = {}
        role_choices = [SelectChoice("", "Both partners")]
        role_choices += [SelectChoice(key, label) for key, label in parse_lines(self.roles.data, "role")]
        for entry in self.prompts:
            entry.form.role.choices = role_choices
            for question in [entry.form, *(sub.form for sub in entry.form.fields)]:
                question.raises_safety_flag.choices = [
                    SelectChoice(key, label) for key, label in parse_lines(question.options.data, "option")
                ]

    @property
    def has_roles(self) -> bool:
        return bool((self.roles.data or "").strip())

    def validated_content(self) -> ExerciseContent | None:
        """The exercise as typed, if it keeps every rule; otherwise None, with messages by the fields."""
        form_ok = self.validate()
        try:
            content = ExerciseContent.model_validate(self.content_data())
        except ValidationError as error:
            self._place_errors(error)
            return None
        return content if form_ok else None

    def content_data(self) -> dict:
        """What was typed, shaped like exercise content; unanswered numbers and choices are left out."""
        data = {name: self[name].data for name in METADATA}
        data["roles"] = [{"key": key, "label": label} for key, label in parse_lines(self.roles.data, "role")]
        data["prompts"] = prompt_list([entry.form for entry in self.prompts])
        return {name: value for name, value in data.items() if value is not None and not (name in CHOICES and not value)}

    def _place_errors(self, error: ValidationError) -> None:
        already = {field.id for field in leaf_fields(self) if field.errors}
        for detail in error.errors():
            path = location(detail)
            node, rest = walk(self, path)
            message = describe(detail)
            if isinstance(node, (FieldList, FormField, Form)):
                self.group_errors.setdefault("" if node is self else node.id, []).append(message)
            elif node.id not in already:
                line = next((part for part in rest if isinstance(part, int)), None)
                if node.short_name in LINE_FIELDS and line is not None:
                    message = f"Line {line + 1}: {message}"
                node.errors.append(message)


def prompt_list(forms: list[LogFieldForm]) -> list[dict]:
    """Prompts as schema data; empty short names are made from the questions, never clashing."""
    taken = {form.key.data for form in forms if form.key.data}
    return [prompt_data(form, taken) for form in forms]


def prompt_data(form: LogFieldForm, taken: set[str]) -> dict:
    """One prompt sub-form as schema data, with only the settings its type has."""
    kind = form.type.data
    key = form.key.data or unique(derive_key(form.label.data, "question"), taken)
    data = {"type": kind, "key": key, "label": form.label.data, "required": form.required.data}
    if form.help.data:
        data["help"] = form.help.data
    if "role" in form and form.role.data:
        data["role"] = form.role.data
    for name in TYPE_SETTINGS.get(kind, ()):
        if name == "options":
            data[name] = [{"value": value, "label": label} for value, label in parse_lines(form.options.data, "option")]
        elif name == "fields":
            data[name] = prompt_list([entry.form for entry in form.fields])
        elif form[name].data not in (None, ""):
            data[name] = form[name].data
    return data


def builder_data(content: ExerciseContent, version: int | None = None) -> dict:
    """Stored content as the builder's initial data (lists written one item per line)."""
    data = content.as_data()
    data["roles"] = write_lines((role["key"], role["label"]) for role in data["roles"])
    data["prompts"] = [_prompt_builder_data(prompt) for prompt in data["prompts"]]
    return data | {"version": version}


def _prompt_builder_data(prompt: dict) -> dict:
    data = dict(prompt)
    if "options" in data:
        data["options"] = write_lines((option["value"], option["label"]) for option in data["options"])
    if "fields" in data:
        data["fields"] = [_prompt_builder_data(field) for field in data["fields"]]
    return data


def parse_lines(text: str | None, fallback: str) -> list[tuple[str, str]]:
    """"key | label" or just "label" per line, as (key, label); missing keys are made from labels."""
    rows = []
    for line in (text or "").splitlines():
        if line.strip():
            key, bar, label = line.partition("|")
            rows.append((key.strip(), label.strip()) if bar else ("", line.strip()))
    taken = {key for key, _ in rows if key}
    return [(key or unique(derive_key(label, fallback), taken), label) for key, label in rows]


def write_lines(pairs) -> str:
    """The inverse of parse_lines, with every key written out so it stays stable."""
    return "\n".join(f"{key} | {label}" for key, label in pairs)


def derive_key(text: str | None, fallback: str) -> str:
    """A short snake_case name from the first few words of a label."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    key = "_".join(re.findall(r"[a-z0-9]+", ascii_text)[:5])[:40].strip("_")
    return key if key[:1].isalpha() else f"{fallback}_{key}".strip("_")[:40]


def unique(key: str, taken: set[str]) -> str:
    """`key`, or `key_2`, `key_3`... whichever is free; the result is taken."""
    candidate, n = key, 1
    while candidate in taken:
        n += 1
        candidate = f"{key[:36]}_{n}"
    taken.add(candidate)
    return candidate


def walk(form: Form, path: tuple[str | int, ...]):
    """Follow a schema path through the form as far as it goes: (field reached, rest of the path)."""
    node = form
    for depth, part in enumerate(path):
        holder = node.form if isinstance(node, FormField) else node
        if isinstance(holder, FieldList) and isinstance(part, int) and part < len(holder.entries):
            node = holder.entries[part]
        elif isinstance(holder, Form) and isinstance(part, str) and part in holder:
            node = holder[part]
        else:
            return node, path[depth:]
    return node, ()


class EditExerciseForm(ExerciseForm):
    """The builder on the edit page: the version it was built from must come back, or the save is a conflict."""

    version = IntegerField(widget=HiddenInput(), validators=[version_required()])
