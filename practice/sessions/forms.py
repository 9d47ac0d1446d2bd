"""The session forms: when it took place, the note with its homework links, and amendments."""

from __future__ import annotations

from wtforms import DateField, IntegerField, RadioField, SelectChoice, SubmitField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from practice.domain import Attendance, HandoutProgress, Intervention, SessionFormat, choices
from practice.sessions.services import NoteDraft, SessionDetails
from practice.web.formtools import FlaskForm, MultiCheckboxField, PlainText, strip, version_required
from practice.web.templating import isolate, long_date

NOTE_MAX = 20_000


def note_field(label: str, description: str = "", *, partners_read: bool = False) -> TextAreaField:
    """A free-text part of the note: optional, plain text, with a generous limit."""
    return TextAreaField(
        label, filters=[strip], description=description,
        validators=[Optional(), Length(max=NOTE_MAX, message=f"Please keep this under {NOTE_MAX:,} characters."),
                    PlainText(allow_markup_chars=True, partners_read=partners_read)],
    )


class SessionDetailsForm(FlaskForm):
    """When a session took place, for how long, where, and who came."""

    day = DateField("Date", validators=[InputRequired("Please enter the date of the session.")])
    at = TimeField("Start time", validators=[InputRequired("Please enter the time the session started.")],
                   description="In the practice's time zone.")
    minutes = IntegerField(
        "Length in minutes", default=50,
        validators=[InputRequired("Please enter the length in minutes."),
                    NumberRange(10, 240, "Please enter from 10 to 240 minutes.")],
    )
    format = RadioField("Format", choices=choices(SessionFormat), default=SessionFormat.IN_PERSON.value,
                        validators=[InputRequired("Please choose in person or video.")])
    attended = RadioField("Who came", default=Attendance.BOTH.value,
                          validators=[InputRequired("Please choose who came.")])
    submit = SubmitField("Record session")

    def set_partners(self, couple) -> None:
        """Name the partners in the attendance choices."""
        p1, p2 = isolate(couple.partner(1).name), isolate(couple.partner(2).name)
        self.attended.choices = [
            SelectChoice(Attendance.BOTH.value, f"Both ({p1} and {p2})"),
            SelectChoice(Attendance.PARTNER1.value, f"{p1} only"),
            SelectChoice(Attendance.PARTNER2.value, f"{p2} only"),
        ]

    def details(self) -> SessionDetails:
        return SessionDetails(
            day=self.day.data, at=self.at.data, minutes=self.minutes.data,
            format=self.format.data, attended=self.attended.data,
        )


class NoteForm(SessionDetailsForm):
    """The clinician's note, the couple's summary and the homework links, saved as a draft until signed."""

    focus = note_field("Focus", "What the session was mainly about. Needed before signing.")
    interventions = MultiCheckboxField("Interventions", choices=choices(Intervention))
    interventions_other = note_field("Other interventions")
    observations = note_field("Observations")
    plan = note_field("Plan")
    couple_summary = note_field(
        "Summary for the couple",
        "The only part of this note the couple sees, in their handout. Write it for both of them.",
        partners_read=True,
    )
    handout_progress = RadioField("Include the couple's check-in progress in their handout?", choices=choices(HandoutProgress),
                                  default=HandoutProgress.NONE.value, validate_choice=True,
                                  description="Your choice only asks. Scores appear only if both partners have said yes in their "
                                  "portal, and never while a safety flag is open or was raised in the last 8 weeks. "
                                  "Check-in scores only; never notes or safety answers.")
    reviewed = MultiCheckboxField("Homework reviewed", coerce=int)
    assigned = MultiCheckboxField("Homework set in this session", coerce=int)
    version = IntegerField(widget=HiddenInput(), validators=[version_required()])
    submit = SubmitField("Save draft")
    sign = SubmitField("Sign and lock")

    def set_homework(self, reviewable, assignable) -> None:
        """Offer the couple's homework that fits each list, labelled with title and due date."""
        self.reviewed.choices = [_homework_choice(a) for a in reviewable]
        self.assigned.choices = [_homework_choice(a) for a in assignable]

    def draft(self) -> NoteDraft:
        return NoteDraft(
            details=self.details(), focus=self.focus.data or "", interventions=self.interventions.data or [],
            interventions_other=self.interventions_other.data or "", observations=self.observations.data or "",
            plan=self.plan.data or "", couple_summary=self.couple_summary.data or "",
            handout_progress=self.handout_progress.data or "",
            reviewed=self.reviewed.data or [], assigned=self.assigned.data or [],
        )


class SignForm(FlaskForm):
    """The confirmation that signs the saved draft: the version it was read at, so a later save is not signed unseen."""

    version = IntegerField(widget=HiddenInput(), validators=[version_required()])


class AmendmentForm(FlaskForm):
    """A dated addition to a signed note."""

    text = TextAreaField(
        "Amendment", filters=[strip],
        validators=[DataRequired("Please write the amendment."),
                    Length(max=NOTE_MAX, message=f"Please keep this under {NOTE_MAX:,} characters."),
                    PlainText(allow_markup_chars=True)],
        description="Added below the signed note with today's date and your name. The note itself stays as signed.",
    )
    submit = SubmitField("Add amendment")


def _homework_choice(assignment) -> SelectChoice:
    return SelectChoice(assignment.id, f"{assignment.exercise_version.title} (due {long_date(assignment.due_date)})")

class CorrectedHandoutForm(FlaskForm):
    """Why a released handout is being replaced; the partners are told a corrected one is waiting."""

    reason = TextAreaField(
        "What was corrected", filters=[strip],
        validators=[DataRequired("Please say what was corrected, for the record."),
                    Length(max=500, message="Please keep this under 500 characters."),
                    PlainText(allow_markup_chars=True)],
        description="For your records only; the partners are told that an updated handout is waiting, nothing more.",
    )
    submit = SubmitField("Release a corrected handout")
