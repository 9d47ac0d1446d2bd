"""The practice trail's filters (GET, so no CSRF)."""

from __future__ import annotations

from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from practice.domain import choices
from practice.models import AuditAction
from practice.web.formtools import FlaskForm

SOMEONE = [SelectChoice("partner", "A partner"), SelectChoice("system", "Twofold itself (a job or a command)"),
           SelectChoice("anonymous", "Someone not signed in")]


class AuditFilterForm(FlaskForm):
    """Narrow the practice trail by who, which couple, what happened and when (dates in the practice's zone)."""

    class Meta:
        csrf = False

    who = SelectField("Who", default="")
    couple = SelectField("Couple", default="")
    action = SelectField("What happened", choices=[SelectChoice("", "Everything"), *choices(AuditAction)], default="")
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def set_choices(self, clinicians: list[tuple[int, str]], couples: list[tuple[int, str]]) -> None:
        """The practice's clinicians and the viewer's own couples: nobody else's couple is offered by name."""
        self.who.choices = [SelectChoice("", "Anyone"),
                            *(SelectChoice(f"clinician:{id_}", name) for id_, name in clinicians), *SOMEONE]
        self.couple.choices = [SelectChoice("", "Any couple"), *(SelectChoice(str(id_), name) for id_, name in couples)]

    def valid(self, field) -> str | None:
        """A field's value, or None when it is empty or was tampered with (an unknown choice is simply ignored)."""
        return None if field.errors else field.data or None
