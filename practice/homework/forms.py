"""The therapist's homework forms: assigning and reviewing."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import HiddenInput

from practice.domain import Sharing, choices
from practice.homework.services import needs_safety_reason
from practice.web.formtools import FlaskForm, PlainText, strip, version_required
from practice.web.templating import isolate

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
                    PlainText(allow_markup_chars=True, partners_read=True)],
        description="Optional. Both partners see it with the exercise.",
    )
    sharing = RadioField("Who can read the answers?", choices=choices(Sharing), default=Sharing.PRIVATE.value)
    # No Optional(): it would stop the chain on a blank choice before validate_role_for_1 could demand one.
    role_for_1 = SelectField("Partner 1 answers as", validate_choice=True)
    practised_in_session = BooleanField(
        "We have practised this together in session",
        description="This exercise asks for a vulnerable reach at home. It is safest once the couple have tried it "
        "with you in the room.",
    )
    safety_confirmed = BooleanField("I have assessed each partner's safety on their own, and this work is right for now")
    safety_reason = TextAreaField(
        "Why this work is right for now", filters=[strip],
        # No Optional(): a blank would stop the chain before validate_safety_reason could demand a reason.
        validators=[Length(max=1000, message="Please keep the reason under 1,000 characters."),
                    PlainText(allow_markup_chars=True)],
        description="Only you and the audit trail keep this; the couple never see it.",
    )
    submit = SubmitField("Assign homework")

    def set_rules(self, version, flag_applies: bool) -> None:
        """Offer only what the exercise allows: no shared answers for never-shared work, and ask for
        the in-session step and (while a safety flag applies) a reason for joint or vulnerable work."""
        self.never_shared = version.never_shared
        if version.never_shared:
            _withhold(self.sharing, Sharing.SHARED_AFTER_BOTH.value,
                      "This exercise is never shared between partners: answers go to you only.")
        if version.one_partner_only:
            _withhold(self.who, WHO_BOTH, "This exercise is for one partner only: please choose which one.")
        self.asks_practised = version.practise_in_session_first
        self.asks_safety_reason = flag_applies and needs_safety_reason(version)

    def validate_practised_in_session(self, field) -> None:
        if getattr(self, "asks_practised", False) and not field.data:
            raise ValidationError("Please practise this together in session first, then tick the box.")

    def validate_safety_confirmed(self, field) -> None:
        if getattr(self, "asks_safety_reason", False) and not field.data:
            raise ValidationError("Please confirm you have assessed each partner's safety on their own.")

    def validate_safety_reason(self, field) -> None:
        if getattr(self, "asks_safety_reason", False) and not field.data:
            raise ValidationError("Please write why this work is right for this couple now.")

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


def _withhold(field, value: str, message: str) -> None:
    """Take `value` off a radio field's choices; a forged POST sending it gets `message`, not "Not a valid choice"."""
    field.choices = [choice for choice in field.choices if choice.value != value]
    if field.data == value and not field.raw_data:  # the default, on a GET: choose nothing rather than it
        field.data = None
    field.validate_choice = False
    allowed = {choice.value for choice in field.choices}

    def refuse(form, field) -> None:
        if field.data not in allowed:
            raise ValidationError(message if field.data == value else "Please choose from the list.")

    field.validators = [*field.validators, refuse]


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
