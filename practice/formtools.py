"""Validators and fields shared by every feature's forms."""

from __future__ import annotations

import re

from wtforms import Field, SelectMultipleField, widgets
from wtforms.validators import Email, Length, ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP = re.compile(r"[<>]")


def strip(value):
    """Trim surrounding whitespace from submitted text."""
    return value.strip() if isinstance(value, str) else value


def lower_strip(value):
    """Trim and lower-case, for email addresses."""
    return value.strip().lower() if isinstance(value, str) else value


class PlainText:
    """Refuse invisible control characters, and (for one-line fields) markup.

    Jinja escapes everything anyway; refusing `<` and `>` in names keeps
    letterheads and emails clean and tells the person why.
    """

    def __init__(self, allow_markup_chars: bool = False) -> None:
        self.allow_markup_chars = allow_markup_chars

    def __call__(self, form, field: Field) -> None:
        value = field.data or ""
        if _CONTROL.search(value):
            raise ValidationError("This contains invisible characters we can't store. Please retype it.")
        if not self.allow_markup_chars and _MARKUP.search(value):
            raise ValidationError("Please use plain text here, without < or >.")


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

    from practice.errors_domain import ConflictError

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
