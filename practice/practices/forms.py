"""Forms for the practice profile and inviting colleagues."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from practice.domain import PageSize, choices
from practice.practices import crisis
from practice.web.formtools import (
    FlaskForm,
    NameText,
    PlainText,
    email_validators,
    lower_strip,
    strip,
    version_required,
)
from practice.web.templating import isolate

IDLE_TIMEOUT_CHOICES = [
    SelectChoice(5, "5 minutes"), SelectChoice(10, "10 minutes"), SelectChoice(15, "15 minutes (recommended)"),
    SelectChoice(30, "30 minutes"), SelectChoice(60, "1 hour"),
]


@cache
def timezone_choices() -> list[SelectChoice]:
    """Every IANA region time zone, labelled with spaces instead of underscores."""
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [SelectChoice("UTC", "UTC")] + [SelectChoice(z, z.replace("_", " ")) for z in zones]


LINE_HELP = {
    "emergency": "For example \u201cEmergency services\u201d and 999, 911 or 112.",
    "crisis_line": "A line people can call or text when they feel they cannot cope, any time of day.",
    "dv_line": "A confidential line for anyone afraid of, or hurt by, a partner.",
}


def crisis_label(name: str, prefix: str) -> StringField:
    """The name partners read for one of the three lines."""
    return StringField(f"{name}: name", filters=[strip], description=LINE_HELP[prefix],
                       validators=[Optional(), Length(max=80, message="Please keep the name under 80 characters."),
                                   PlainText()])


def crisis_number(name: str) -> StringField:
    """The number behind one of the three lines, as partners will dial or text it."""
    return StringField(f"{name}: number", filters=[strip], validators=[
        Optional(), Length(min=2, max=30, message="Please give a number of 2 to 30 characters."),
        Regexp(r"^[0-9+() -]*$", message="Please use digits, spaces and + ( ) - only."),
        Regexp(r".*[0-9]", message="Please include the digits to dial."),
    ])


def _whole_number(label: str, unit: str, low: int, high: int, description: str) -> IntegerField:
    """A whole-number practice setting from `low` to `high` `unit`.

    Left out of a post (a form opened before the setting existed), the
    practice keeps its current value, so the field is optional.
    """
    return IntegerField(label, description=description, validators=[
        Optional(), NumberRange(min=low, max=high, message=f"Please give a number of {unit} between {low} and {high}."),
    ])


class PracticeProfileForm(FlaskForm):
    """The letterhead, time zone and crisis resources of a practice."""

    name = StringField(
        "Practice name", filters=[strip],
        validators=[InputRequired("Please name the practice."), Length(max=120), PlainText(), NameText()],
    )
    address = TextAreaField(
        "Address", filters=[strip], validators=[Optional(), Length(max=500), PlainText()],
        description="Printed on the letterhead of session summaries.",
    )
    phone = StringField(
        "Phone", filters=[strip],
        validators=[
            Optional(), Length(max=40),
            Regexp(r"^[0-9+()./\- xext]*$", message="Please use digits, spaces and + ( ) - only."),
        ],
    )
    timezone = SelectField("Time zone", choices=timezone_choices, validators=[InputRequired()],
                           description="Due dates and times are shown in this time zone.")
    emergency_label = crisis_label("Emergency number", "emergency")
    emergency_number = crisis_number("Emergency number")
    crisis_line_label = crisis_label("Crisis line", "crisis_line")
    crisis_line_number = crisis_number("Crisis line")
    dv_line_label = crisis_label("Domestic-violence line", "dv_line")
    dv_line_number = crisis_number("Domestic-violence line")
    crisis_resources = TextAreaField(
        "Other crisis resources for clients",
        filters=[strip],
        validators=[Optional(), Length(max=2000), PlainText(allow_markup_chars=True, partners_read=True)],
        description="Shown to partners below the three numbers above, on their support pages and in couple "
        "handouts. Add anything else that helps: local services, opening hours, what to do out of hours.",
    )
    page_size = RadioField("Paper size for PDF summaries", choices=choices(PageSize), default=PageSize.A4.value,
                           validators=[InputRequired("Please choose a paper size.")])
    idle_timeout_minutes = SelectField(
        "Sign clinicians out after", coerce=int, choices=IDLE_TIMEOUT_CHOICES, validators=[InputRequired()],
        description="Without activity. A warning appears two minutes before, and typed text stays on the page.",
    )
    require_two_factor = BooleanField("Require two-step sign-in for every clinician")
    safety_escalation_hours = _whole_number(
        "Tell the practice owners about an unread safety answer after (hours)", "hours", 1, 168,
        "The couple's therapist is emailed at once. If no one has acknowledged the answer by then, "
        "every owner is emailed too.",
    )
    safety_flag_weeks = _whole_number(
        "Keep couple work on hold after a safety answer for (weeks)", "weeks", 1, 52,
        "While a safety answer is unread, and for this many weeks after it arrives, together and "
        "vulnerable exercises are not suggested, and assigning one needs a written reason.",
    )
    export_retention_days = _whole_number(
        "Keep exported records for (days)", "days", 1, 90,
        "A couple's exported record waits this long for the therapist to download it again, then "
        "it is erased. The erasing is noted in the audit trail.",
    )
    version = IntegerField(widget=HiddenInput(), validators=[version_required()])
    submit = SubmitField("Save practice details")

    def validate(self, extra_validators=None) -> bool:
        """Each of the three crisis lines has a name and a number, or neither (partners need both)."""
        valid = super().validate(extra_validators)
        for prefix, _ in crisis.LINES:
            label, number = self[f"{prefix}_label"], self[f"{prefix}_number"]
            if label.data and not number.data and not number.errors:
                number.errors.append("Please add the number for this line.")
                valid = False
            elif number.data and not label.data and not label.errors:
                label.errors.append("Please name this line, as partners will read it.")
                valid = False
        return valid


class InviteClinicianForm(FlaskForm):
    """Invite a colleague by email."""

    email = EmailField("Colleague's email", filters=[lower_strip], validators=email_validators())
    submit = SubmitField("Create invitation")


def reassignment_form(couples, colleagues, formdata=None) -> FlaskForm:
    """One select per couple ("couple_<id>"), each listing the active colleagues who could take it."""
    choices = [SelectChoice("", "Choose a colleague…")] + [SelectChoice(str(c.id), isolate(c.display_name))
                                                           for c in colleagues]

    class ReassignForm(FlaskForm):
        submit = SubmitField("Move the couples and turn off sign-in")

    for couple in couples:
        setattr(ReassignForm, f"couple_{couple.id}", SelectField(
            isolate(couple.name), choices=choices, validators=[InputRequired("Please choose who takes this couple.")]))
    form = ReassignForm() if formdata is None else ReassignForm(formdata=formdata)
    form.couple_fields = [(couple, form[f"couple_{couple.id}"]) for couple in couples]
    return form
