"""The therapist's check-in forms: how often a couple is asked, and acknowledging a safety answer."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import HiddenInput

from practice.domain import CHECKIN_CADENCES
from practice.web.formtools import FlaskForm, PlainText, strip, version_required


class SettingsForm(FlaskForm):
    """Cadence and pause for one couple's check-ins."""

    cadence_days = SelectField(
        "How often", choices=[SelectChoice(days, label) for days, label in CHECKIN_CADENCES.items()],
        coerce=int, default=7,
        description="Each partner is asked once per period, counted from the couple's start date.",
    )
    paused = BooleanField("Pause check-ins (partners aren't asked until you turn them back on)")
    version = IntegerField(widget=HiddenInput(), validators=[version_required()])
    submit = SubmitField("Save check-in settings")


class AcknowledgeForm(FlaskForm):
    """What the therapist did about a safety answer; required, and seen only by clinicians."""

    note = TextAreaField(
        "What you did or will do", filters=[strip],
        validators=[DataRequired("Please write a short note of what you did or plan to do."),
                    Length(max=2000, message="Please keep the note under 2,000 characters."),
                    PlainText(allow_markup_chars=True)],
        description="For example: called them the same day, safety plan in place, individual session booked. "
        "Only clinicians see this; it is never shown to either partner.",
    )
    submit = SubmitField("Acknowledge")
