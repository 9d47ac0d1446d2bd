"""The practice trail's filter (GET, so no CSRF)."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField

from practice.domain import choices
from practice.models import AuditAction
from practice.web.formtools import FlaskForm


class AuditFilterForm(FlaskForm):
    """Narrow the practice trail to one kind of event."""

    class Meta:
        csrf = False

    action = SelectField("What happened", choices=[SelectChoice("", "Everything"), *choices(AuditAction)], default="")
