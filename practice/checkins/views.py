"""The therapist's check-in pages: settings per couple, and reading and acknowledging safety answers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from practice import audit
from practice.auth.guards import require_clinician
from practice.authz import couple_for_clinician_or_404, safety_flag_for_clinician_or_404
from practice.checkins import services
from practice.checkins.forms import AcknowledgeForm, SettingsForm
from practice.domain import DomainError
from practice.rules.versioning import saved_unless_conflict

bp = Blueprint("checkins", __name__, url_prefix="/couples")
bp.before_request(require_clinician)


@bp.route("/<int:couple_id>/check-ins/settings", methods=["GET", "POST"])
def settings(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    form = SettingsForm(data={"cadence_days": couple.checkin_cadence_days, "paused": couple.checkins_paused,
                              "version": couple.version})
    if form.validate_on_submit() and saved_unless_conflict(form, couple, lambda: services.update_settings(
            couple, form.version.data, form.cadence_days.data, form.paused.data)):
        flash("Check-ins are paused." if form.paused.data else "Check-in settings saved.", "success")
        return redirect(url_for("couples.detail", couple_id=couple.id, _anchor="progress"))
    return render_template("checkins/settings.html", couple=couple, form=form)


@bp.route("/<int:couple_id>/safety/<int:flag_id>", methods=["GET", "POST"])
def flag(couple_id: int, flag_id: int):
    flag = safety_flag_for_clinician_or_404(couple_id, flag_id)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        try:
            services.acknowledge(flag, current_user._get_current_object(), form.note.data)
        except DomainError as error:
            form.note.errors.append(error.message)
        else:
            flash("Acknowledged. It no longer shows on your dashboard; it stays in this couple's record.", "success")
            return redirect(url_for("couples.detail", couple_id=couple_id, _anchor="safety"))
    page = render_template("checkins/flag.html", flag=flag, couple=flag.couple, form=form)
    audit.viewed(flag)
    return page
