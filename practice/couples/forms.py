"""Forms for creating and editing a couple and searching the caseload."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from practice.domain import Area, CoupleStatus, Stage, choices
from practice.web.formtools import (
    FlaskForm,
    MultiCheckboxField,
    NameText,
    PlainText,
    lower_strip,
    strip,
    version_required,
)


class PartnerForm(Form):
    """One partner's details (a sub-form, so no CSRF of its own)."""

    name = StringField(
        "Name", filters=[strip],
        validators=[InputRequired("Please enter a name."), Length(max=80, message="Please keep the name under 80 characters."), PlainText(),
                    NameText()],
    )
    pronouns = StringField(
        "Pronouns", filters=[strip], validators=[Optional(), Length(max=40), PlainText(), NameText()],
        description="Optional, for example she/her, he/him, they/them.",
    )
    email = EmailField(
        "Email", filters=[lower_strip],
        validators=[
            Optional(), Length(max=254),
            Email(message="Please enter an email address like name@example.com.", check_deliverability=False),
        ],
        description="Optional. Used to send their private invitation and reminders. Partners may share one.",
    )


class CoupleForm(FlaskForm):
    """Everything the caseload knows about a couple."""

    partner1 = FormField(PartnerForm, label="Partner 1")
    partner2 = FormField(PartnerForm, label="Partner 2")
    concerns = MultiCheckboxField("Presenting concerns", choices=choices(Area))
    stage = RadioField("EFT stage", choices=choices(Stage), default=Stage.DEESCALATION.value,
                       validators=[InputRequired("Please choose a stage.")])
    start_date = DateField("Start date", validators=[InputRequired("Please enter the date therapy started.")])
    status = SelectField("Status", choices=choices(CoupleStatus), default=CoupleStatus.ACTIVE.value,
                         description="Closing a couple archives it; nothing is deleted.")
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])  # new records have none yet
    submit = SubmitField("Save couple")

    def validate_concerns(self, field) -> None:
        if len(field.data or []) > len(Area):
            raise ValidationError("Please choose from the list.")


class CaseloadFilterForm(FlaskForm):
    """Search and filter the caseload (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Search by name", filters=[strip], validators=[Optional(), Length(max=80)])
    status = SelectField(
        "Status",
        choices=[SelectChoice("open", "Active and paused"), *choices(CoupleStatus), SelectChoice("all", "All")],
        default="open",
        validate_choice=False,
    )


class EditCoupleForm(CoupleForm):
    """The couple form on the edit page: the version it was built from must come back, or the save is a conflict.

    It also records the restructuring milestones: consolidation work is not suggested until both have dates.
    """

    version = IntegerField(widget=HiddenInput(), validators=[version_required()])
    confirm_close = BooleanField(
        "Yes, close this couple",
        description="They move to the end of your caseload and out of the list you assign from the library to. "
        "Nothing is deleted, and choosing Active again reopens them. Their portal access stays as it is: "
        "turn it off on the couple's page if therapy has ended.",
    )
    was_closed = False  # set by the view from the stored couple: only closing an open couple asks to be confirmed

    def validate_confirm_close(self, field) -> None:
        if self.status.data == CoupleStatus.CLOSED.value and not self.was_closed and not field.data:
            raise ValidationError("Closing a couple is a big step, so please tick this to confirm it, "
                                  "or choose another status.")

    withdrawer_reengaged_on = DateField(
        "The withdrawing partner re-engaged on", validators=[Optional()],
        description="Optional. The session where the more withdrawn partner began to stay and speak up.",
    )
    softening_on = DateField(
        "The pursuing partner softened on", validators=[Optional()],
        description="Optional. The session where the pursuing partner reached from need rather than protest.",
    )
