"""The therapist's homework forms: assigning and reviewing."""

from __future__ import annotations

from wtforms import DateField, IntegerField, RadioField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from practice.domain import Sharing, choices
from practice.formtools import FlaskForm, PlainText, strip, version_required
from practice.templating import isolate
from wtforms.widgets import HiddenInput

WHO_BOTH = "both"


class AssignForm(FlaskForm):
    """Who gets the exercise, by when, with what note and which sharing rule."""

    who = RadioField("Who is this for?", default=WHO_BOTH, validators=[InputRequired("Please choose who this is for.")])
    due_date = DateField("Due date", validators=[InputRequired("Please choose a due date.")])
    days = IntegerField(
        "Days to keep the log", validators=[Optional(), NumberRange(1, 31, "Please choose from 1 to 31 days.")],
        description="One entry a day; late days can be filled in until the due date.",
    )
    note = TextAreaField(
        "Note to the couple", filters=[strip],
        validators=[Optional(), Length(max=2000, message="Please keep the note under 2,000 characters."),
                    PlainText(allow_markup_chars=True)],
        description="Optional. Both partners see it with the exercise.",
    )
    sharing = RadioField("Who can read the answers?", choices=choices(Sharing), default=Sharing.PRIVATE.value)
    # No Optional(): it would stop the chain on a blank choice before validate_role_for_1 could demand one.
    role_for_1 = SelectField("Partner 1 answers as", validate_choice=True)
    submit = SubmitField("Assign homework")

    def set_partners(self, couple, roles: list[dict]) -> None:
        """Name the partners in the choices, and offer the exercise's roles if it has any."""
        p1, p2 = isolate(couple.partner(1).name), isolate(couple.partner(2).name)
        self.who.choices = [SelectChoice(WHO_BOTH, f"Both ({p1} and {p2})"),
                            SelectChoice("1", f"{p1} only"), SelectChoice("2", f"{p2} only")]
        self.role_for_1.label.text = f"{p1} answers as"
        self.role_for_1.choices = [SelectChoice("", "Choose a role")] + [SelectChoice(r["key"], r["label"]) for r in roles]
        self.roles = roles

    def positions(self) -> tuple[int, ...]:
        return (1, 2) if self.who.data == WHO_BOTH else (int(self.who.data),)

    def role_map(self) -> dict[str, str]:
        """{"1": role, "2": the other role} for the assigned partners, or {}."""
        if not self.roles:
            return {}
        first = self.role_for_1.data
        second = next(r["key"] for r in self.roles if r["key"] != first)
        mapping = {"1": first, "2": second}
        return {str(p): mapping[str(p)] for p in self.positions()}

    def validate_role_for_1(self, field) -> None:
        if not self.roles:  # nothing to choose: whatever was (or wasn't) sent is ignored by role_map()
            field.errors[:] = []
            raise StopValidation()
        if not field.data:
            raise ValidationError("This exercise asks different questions of each partner: please choose.")


class ReviewForm(FlaskForm):
    """Mark an assignment as read, with a note only the therapist sees."""

    comment = TextAreaField(
        "Private note", filters=[strip],
        validators=[Optional(), Length(max=4000, message="Please keep the note under 4,000 characters."),
                    PlainText(allow_markup_chars=True)],
        description="Only you see this. It is never shown to the couple.",
    )
    version = IntegerField(widget=HiddenInput(), validators=[version_required()])
    submit = SubmitField("Mark as reviewed")
