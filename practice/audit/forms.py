"""The practice trail's filter (GET, so no CSRF)."""

from __future__ import annotations

from practice.formtools import FlaskForm  # one rule for control characters in every form
from wtforms import SelectChoice, SelectField

from practice.domain import choices
from practice.models import AuditAction


class AuditFilterForm(FlaskForm):
    """Narrow the practice trail to one kind of event."""

    class Meta:
        csrf = False

    action = SelectField("What happened", choices=[SelectChoice("", "Everything"), *choices(AuditAction)], default="")
