"""The practice owner's pages: profile and team."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from practice.auth.guards import require_owner
from practice.authz import colleague_for_owner_or_404, invitation_for_owner_or_404
from practice.domain import DomainError
from practice.models import utcnow
from practice.practices import services
from practice.practices.forms import InviteClinicianForm, PracticeProfileForm, reassignment_form
from practice.rules.versioning import saved_unless_conflict
from practice.web.templating import isolate

bp = Blueprint("practices", __name__, url_prefix="/practice")
bp.before_request(require_owner)


@bp.route("/", methods=["GET", "POST"])
def profile():
    practice = current_user.practice
    form = PracticeProfileForm(obj=practice)
    if form.validate_on_submit() and saved_unless_conflict(
            form, practice, lambda: services.update_profile(practice, form.version.data, form.data)):
        flash("The practice details are saved.", "success")
        return redirect(url_for("practices.profile"))
    return render_template("practices/profile.html", form=form)


def render_team(form: InviteClinicianForm, new_link: str | None = None):
    practice_id = current_user.practice_id
    return render_template(
        "practices/team.html", form=form, new_link=new_link,
        clinicians=services.team(practice_id), invitations=services.open_invitations(practice_id),
        waiting_flags=services.waiting_safety_flags(current_user.practice, utcnow()),
    )


@bp.get("/team")
def team():
    return render_team(InviteClinicianForm())


@bp.post("/team/invitations")
def invite():
    form = InviteClinicianForm()
    if not form.validate_on_submit():
        return render_team(form)
    link = services.invite_clinician(current_user._get_current_object(), form.email.data)
    flash(f"Invitation created for {form.email.data}. We emailed it; you can also copy the link below.", "success")
    return render_team(InviteClinicianForm(formdata=None), new_link=link)


@bp.post("/team/invitations/<int:invitation_id>/revoke")
def revoke(invitation_id: int):
    invitation = invitation_for_owner_or_404(invitation_id)
    services.revoke_invitation(invitation)
    flash(f"The invitation for {invitation.email} no longer works.", "info")
    return redirect(url_for("practices.team"))


@bp.post("/team/<int:clinician_id>/<any(deactivate, reactivate):action>")
def set_active(clinician_id: int, action: str):
    clinician = colleague_for_owner_or_404(clinician_id)
    if clinician.id == current_user.id:
        abort(400)
    if action == "deactivate" and services.couples_of(clinician):
        return redirect(url_for("practices.reassign", clinician_id=clinician.id))
    services.set_active(clinician, active=action == "reactivate")
    word = "can sign in again" if action == "reactivate" else "can no longer sign in"
    flash(f"{isolate(clinician.name)} {word}.", "info")
    return redirect(url_for("practices.team"))


@bp.route("/team/<int:clinician_id>/reassign", methods=["GET", "POST"])
def reassign(clinician_id: int):
    """Before a clinician's sign-in is turned off, each of their couples goes to an active colleague."""
    clinician = colleague_for_owner_or_404(clinician_id)
    if clinician.id == current_user.id:
        abort(400)
    couples = services.couples_of(clinician)
    colleagues = services.colleagues_to_take_over(clinician)
    form = reassignment_form(couples, colleagues)
    if form.validate_on_submit():
        choice = {couple.id: int(field.data) for couple, field in form.couple_fields}
        try:
            services.deactivate(clinician, choice)
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(f"{isolate(clinician.name)} can no longer sign in. Their {len(couples)} couple(s) now have their new "
                  "therapist, with their homework, sessions and safety answers.", "success")
            return redirect(url_for("practices.team"))
    return render_template("practices/reassign.html", form=form, clinician=clinician, colleagues=colleagues)
