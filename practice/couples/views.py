"""The caseload: list, add, view and edit couples."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice import audit
from practice.auth.guards import require_clinician
from practice.authz import couple_for_clinician_or_404, partner_for_clinician_or_404
from practice.couples import services
from practice.couples.forms import CaseloadFilterForm, CoupleForm, EditCoupleForm
from practice.couples.overview import couple_overview
from practice.domain import CoupleStatus, DomainError
from practice.extensions import db
from practice.portal import access
from practice.rules.versioning import saved_unless_conflict
from practice.web.pagination import page_number
from practice.web.templating import isolate, practice_today

bp = Blueprint("couples", __name__, url_prefix="/couples")
bp.before_request(require_clinician)


@bp.get("/")
def caseload():
    filters = CaseloadFilterForm(request.args)
    filters.validate()
    search = filters.q.data if not filters.q.errors else None
    page = db.paginate(
        services.caseload_query(search, filters.status.data),
        per_page=current_app.config["COUPLES_PER_PAGE"],
        page=page_number(), error_out=False,
    )
    return render_template("couples/caseload.html", page=page, filters=filters)


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = CoupleForm()
    if request.method == "GET":
        form.start_date.data = practice_today()
    if form.validate_on_submit():
        couple = services.create_couple(current_user._get_current_object(), form.data)
        flash(f"{isolate(couple.name)} added to your caseload.", "success")
        return redirect(url_for("couples.detail", couple_id=couple.id))
    return render_template("couples/form.html", form=form, couple=None)


@bp.get("/<int:couple_id>")
def detail(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    overview = couple_overview(couple, practice_today(), current_app.config["HOMEWORK_PER_PAGE"])
    page = render_template("couples/detail.html", **overview.context())
    audit.viewed(couple)
    return page


@bp.route("/<int:couple_id>/edit", methods=["GET", "POST"])
def edit(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    form = EditCoupleForm(data=form_data(couple))
    form.was_closed = couple.status == CoupleStatus.CLOSED.value
    if form.validate_on_submit() and saved_unless_conflict(
            form, couple, lambda: services.update_couple(couple, form.version.data, form.data)):
        flash("Changes saved.", "success")
        return redirect(url_for("couples.detail", couple_id=couple.id))
    page = render_template("couples/form.html", form=form, couple=couple)
    audit.viewed(couple)
    return page


def form_data(couple) -> dict:
    """The couple as the edit form's initial data."""
    partners = {
        f"partner{p.position}": {"name": p.name, "pronouns": p.pronouns, "email": p.email or ""}
        for p in couple.partners
    }
    return partners | {
        "concerns": couple.concerns, "stage": couple.stage, "start_date": couple.start_date,
        "status": couple.status, "version": couple.version,
        "withdrawer_reengaged_on": couple.withdrawer_reengaged_on, "softening_on": couple.softening_on,
    }


@bp.post("/<int:couple_id>/partners/<int:position>/invite")
def invite_partner(couple_id: int, position: int):
    partner = partner_for_clinician_or_404(couple_id, position)
    try:
        access.issue_invitation(partner, current_user._get_current_object())  # the page shows it once
    except DomainError as error:  # the crisis numbers are not all set: the access card says where to add them
        flash(error.message, "error")
        return redirect(url_for("couples.detail", couple_id=couple_id, _anchor="access"))
    sent = f" We emailed it to {partner.email}." if partner.email else ""
    flash(f"A new private link for {isolate(partner.name)} is ready.{sent} Any earlier link no longer works.", "success")
    return redirect(url_for("couples.detail", couple_id=couple_id, _anchor="access"))


@bp.route("/<int:couple_id>/partners/<int:position>/revoke", methods=["GET", "POST"])
def revoke_partner(couple_id: int, position: int):
    partner = partner_for_clinician_or_404(couple_id, position)
    if request.method == "GET":
        name = isolate(partner.name)
        page = render_template(
            "confirm.html", heading=f"Turn off {name}'s access?",
            consequences=(f"{name} is signed out on every device at once, and their password and any link stop working.",
                          "Everything they have written stays, and you keep seeing it. Their partner is not told.",
                          f"To let {name} back in, send them a new private link from the couple's page."),
            action=url_for("couples.revoke_partner", couple_id=couple_id, position=position), button="Turn off access",
            back=url_for("couples.detail", couple_id=couple_id, _anchor="access"))
        audit.viewed(partner.couple)
        return page
    access.revoke_access(partner)
    flash(f"{isolate(partner.name)} has been signed out and can't sign in until you send a new link.", "info")
    return redirect(url_for("couples.detail", couple_id=couple_id, _anchor="access"))
