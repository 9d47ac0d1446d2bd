"""Validators and fields shared by every feature's forms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import flask_wtf
from wtforms import Field, FieldList, FormField, SelectMultipleField, widgets
from wtforms.validators import Email, Length, ValidationError

from practice.domain import HTML_TAG, NO_TAGS_MESSAGE

# NUL, the other C0 controls and DEL, and the C1 controls (U+0080-U+009F): never typed, never stored.
# Multi-line text keeps tab, newline and carriage return (browsers send CRLF).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MARKUP = re.compile(r"[<>]")
CONTROL_MESSAGE = "This contains invisible characters we can't store. Please retype it."

# Direction controls: embeddings and overrides (U+202A-202E), isolates (U+2066-2069),
# the LRM/RLM marks and the Arabic letter mark. In a name they can reverse the words around it.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Zero-width non-joiner and joiner are part of how Persian, Indic scripts and emoji are written.
_NAME_JOINERS = frozenset("\u200c\u200d")
NAME_MESSAGE = ("This has a hidden character that is invisible or changes the direction of the text around it. "
                "Please retype the name without it.")


def strip(value):
    """Trim surrounding whitespace from submitted text."""
    return value.strip() if isinstance(value, str) else value


def lower_strip(value):
    """Trim and lower-case, for email addresses."""
    return value.strip().lower() if isinstance(value, str) else value


class PlainText:
    """Refuse invisible control characters; in names, `<` and `>`; in text partners read, HTML tags.

    Jinja escapes everything anyway; the refusals keep letterheads, emails and handouts clean and say
    why (the rule per kind of field is in the README's security section).
    """

    def __init__(self, allow_markup_chars: bool = False, *, partners_read: bool = False) -> None:
        self.allow_markup_chars = allow_markup_chars
        self.partners_read = partners_read

    def __call__(self, form, field: Field) -> None:
        value = field.data or ""
        if _CONTROL.search(value):
            raise ValidationError(CONTROL_MESSAGE)
        if not self.allow_markup_chars and _MARKUP.search(value):
            raise ValidationError("Please use plain text here, without < or >.")
        if self.partners_read and HTML_TAG.search(value):
            raise ValidationError(NO_TAGS_MESSAGE)


def hidden_name_character(value: str) -> str | None:
    """The first character a name must not contain: a direction control or another invisible format character."""
    for char in value:
        if char in BIDI_CONTROLS:
            return char
        if char not in _NAME_JOINERS and unicodedata.category(char) in ("Cf", "Zl", "Zp", "Cc", "Co", "Cs", "Cn"):
            return char
    return None


class NameText:
    """Where a name is expected (partners, practices, clinicians, pronouns, credentials).

    Every script is welcome; only the invisible is refused (direction overrides and isolates, LRM/RLM,
    zero-width spaces, soft hyphens, tag characters), since it could reverse the words around a name.
    """

    def __call__(self, form, field: Field) -> None:
        if hidden_name_character(field.data or ""):
            raise ValidationError(NAME_MESSAGE)


def control_character_problem(field: Field) -> bool:
    """Whether what was sent for this field holds a control character its kind of text can't have."""
    pattern = _CONTROL if isinstance(field.widget, widgets.TextArea) else _LINE_CONTROL
    return any(isinstance(value, str) and pattern.search(value) for value in (field.raw_data or ()))


def leaf_fields(fields):
    """Every input field, inside sub-forms and lists too."""
    for field in fields:
        if isinstance(field, FieldList):
            yield from leaf_fields(field.entries)
        elif isinstance(field, FormField):
            yield from leaf_fields(field.form)
        else:
            yield field


@dataclass(frozen=True)
class Problem:
    """A field that needs attention, as the error summary lists it: where to jump, what it is, what is wrong."""

    target: str
    label: str
    message: str


def problems(fields, prefix: str = "") -> list[Problem]:
    """Every field with errors, in form order, named with its group ("Partner 1: Name"); hidden fields are left out.

    A group of radio buttons or checkboxes is reached through its first option, as the browser focuses that.
    """
    found = []
    for field in fields:
        if isinstance(field, FieldList):
            for number, entry in enumerate(field.entries, start=1):
                label = f"{prefix}{field.label.text} {number}"
                if isinstance(entry, FormField):
                    found += [Problem(p.target, p.label.replace(f"{label}: {field.label.text}", label), p.message)
                              for p in problems(entry.form, f"{label}: ")]  # "Question 2", not "Question 2: Question"
                elif entry.errors:
                    found.append(Problem(entry.id, label, " ".join(entry.errors)))
        elif isinstance(field, FormField):
            found += problems(field.form, f"{prefix}{field.label.text}: ")
        elif field.errors and not isinstance(field.widget, widgets.HiddenInput) and field.type != "CSRFTokenField":
            grouped = isinstance(field.widget, widgets.ListWidget) and list(field)
            target = grouped[0].id if grouped else field.id
            found.append(Problem(target, prefix + field.label.text, " ".join(field.errors)))
    return found


class FlaskForm(flask_wtf.FlaskForm):
    """Every form of the app: Flask-WTF's, plus one rule for control characters in every field.

    NUL and the other C0/C1 controls are refused in every field (newline and tab only in multi-line
    text) before any reaches a service. Inherit from this, never flask_wtf (tests/test_inputs_forms.py).
    """

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in leaf_fields(self):
            if control_character_problem(field):
                if CONTROL_MESSAGE not in field.errors:
                    field.errors = [*field.errors, CONTROL_MESSAGE]
                valid = False
        if not valid:
            _refresh_list_errors(self)
        return valid


def _refresh_list_errors(fields) -> None:
    """FieldList keeps a copy of its entries' errors from validate(); bring it up to date (deepest first)."""
    for field in fields:
        if isinstance(field, FieldList):
            for entry in field.entries:
                _refresh_list_errors([entry])
            errors = [entry.errors for entry in field.entries]
            field.errors = errors if any(errors) else []
        elif isinstance(field, FormField):
            _refresh_list_errors(field.form)


def email_validators(required_message: str = "Please enter an email address.") -> list:
    """The validators every email field uses."""
    from wtforms.validators import InputRequired

    return [
        InputRequired(required_message),
        Length(max=254, message="That email address is too long."),
        Email(message="Please enter an email address like name@example.com.", check_deliverability=False),
    ]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes that submits a list of keys."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def version_required():
    """The hidden version an edit form carries: a POST without one is a conflict, never an overwrite."""
    from wtforms.validators import InputRequired

    from practice.domain import ConflictError

    return InputRequired(ConflictError().message)


# The largest id, version or page number the database can hold (a 32-bit INTEGER column).
MAX_INT = 2**31 - 1


def bounded_int(value: str) -> int:
    """`type=` for request.args/form.get: a whole number the database can compare, else ValueError.

    `10**30` would otherwise reach SQL and fail there (a 500) instead of being
    ignored like any other malformed number.
    """
    number = int(value)
    if not 0 <= number <= MAX_INT:
        raise ValueError("out of range")
    return number
