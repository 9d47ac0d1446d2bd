"""The partner portal: a private space for one partner, phone first."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from practice.auth.lifetimes import return_to, start_session
from practice.auth.ratelimits import guarded
from practice.domain import ConflictError, DomainError, TokenError
from practice.library.answer_forms import answer_form_class, form_data
from practice.pdf import PdfError
from practice.portal import access, checkin_services, consent, handouts, homework
from practice.portal.forms import PartnerLoginForm, ScoreSharingForm, WelcomeForm
from practice.portal.guards import require_partner
from practice.sessions import delivery
from practice.web.error_pages import render_error
from practice.web.formtools import bounded_int
from practice.web.pagination import window
from practice.web.templating import practice_today

bp = Blueprint("portal", __name__, url_prefix="/portal")
PUBLIC = {"portal.login", "portal.welcome"}


@bp.before_request
def guard():
    """Everything but signing in needs the signed-in partner."""
    if request.endpoint in PUBLIC:
        return None
    return require_partner()


@bp.route("/login", methods=["GET", "POST"])
@guarded
def login():
    if current_user.is_authenticated and current_user.kind == "partner":
        return redirect(url_for("portal.home"))
    form = PartnerLoginForm()
    if form.validate_on_submit():
        partner = access.authenticate(form.email.data, form.password.data)
        if partner is not None:
            start_session(partner, remember=form.remember.data)
            return redirect(return_to(url_for("portal.home")))
        form.password.errors.append("That email and password don't match. Please try again, or ask your therapist for a new link.")
    return render_template("portal/login.html", form=form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@guarded
def welcome(token: str):
    try:
        invitation = access.check_invitation(token)
    except TokenError as error:
        return render_error(400, "This link can't be used", error.message + " Your therapist can send you a new one.")
    form = WelcomeForm(data={"email": invitation.partner.email or ""})
    if form.validate_on_submit():
        try:
            partner = access.accept_invitation(token, email=form.email.data, password=form.password.data)
        except DomainError as error:
            form[error.field if error.field in form else "password"].errors.append(error.message)
        else:
            start_session(partner)
            flash("Your private space is ready. Only you can read what you write here, and your therapist.", "success")
            return redirect(url_for("portal.home"))
    return render_template("portal/welcome.html", form=form, partner=invitation.partner)


@bp.post("/logout")
def logout():
    access.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have signed out. Take care.", "info")
    return redirect(url_for("portal.login"))


@bp.get("/")
def home():
    partner = current_user._get_current_object()
    today = practice_today()
    done = window(homework.sent_responses(partner), current_app.config["DONE_PER_PAGE"])
    return render_template(
        "portal/home.html", to_do=homework.open_responses(partner), done=done, today=today,
        shared=homework.shared_assignment_ids(done.items), checkin=checkin_services.state(partner, today),
        handouts=handouts.released_handouts(partner),
    )


@bp.get("/handouts/<int:session_id>.pdf")
def handout(session_id: int):
    therapy_session = handouts.released_handout_or_404(current_user._get_current_object(), session_id)
    try:
        return delivery.send_released_handout(therapy_session)
    except PdfError:
        flash("Your handout couldn't be prepared just now. Please try again in a little while.", "warning")
        return redirect(url_for("portal.home"))


@bp.route("/homework/<int:assignment_id>", methods=["GET", "POST"])
def answer(assignment_id: int):
    partner = current_user._get_current_object()
    response = homework.own_response_or_404(partner, assignment_id)
    if response.is_submitted:
        return render_template("portal/answered.html", response=response,
                               other=homework.shared_response(partner, response))
    form = answer_form(response)
    if request.method == "POST":
        return save_from_form(response, form)
    return render_template("portal/answer.html", response=response, form=form, today=practice_today())


@bp.post("/homework/<int:assignment_id>/autosave")
def autosave(assignment_id: int):
    """The page's script saves drafts here every few seconds; it answers in JSON."""
    response = homework.own_response_or_404(current_user._get_current_object(), assignment_id)
    form = answer_form(response)
    if not form.validate_answers(submitting=False):
        return jsonify(ok=False, message="Some answers need a look before they can be saved.", errors=form.errors), 400
    try:
        result = homework.save_draft(response, request.form.get("version", type=bounded_int), form.answers())
    except ConflictError as error:
        return jsonify(ok=False, message=error.message), 409
    except DomainError as error:
        return jsonify(ok=False, message=error.message), 409
    return jsonify(ok=True, version=result.version, saved_at=result.saved_at, saved_label=homework.saved_label(result))


def answer_form(response):
    """The form for exactly the prompts this partner was asked, filled with their draft."""
    assignment = response.assignment
    form_class = answer_form_class(
        assignment.exercise_version.content, role=assignment.role_for(response.partner_position), days=assignment.days
    )
    return form_class(data=form_data(form_class, response.answers))


def save_from_form(response, form):
    """The no-JavaScript path: "Save draft" or "Send to my therapist"."""
    submitting = request.form.get("action") == "submit"
    version = request.form.get("version", type=bounded_int)
    if form.validate_answers(submitting=submitting):
        try:
            if submitting:
                homework.submit(response, version, form.answers())
                flash("Sent. Thank you for taking the time; your therapist will read it before your next session.", "success")
                return redirect(url_for("portal.home"))
            homework.save_draft(response, version, form.answers())
            flash("Your draft is saved. Only you and your therapist can see it.", "success")
            return redirect(url_for("portal.answer", assignment_id=response.assignment_id))
        except DomainError as error:
            flash(error.message, "warning")
    return render_template("portal/answer.html", response=response, form=form, today=practice_today(),
                           version=version), 200


@bp.route("/sharing", methods=["GET", "POST"])
def sharing():
    """The partner's own choice about showing their check-in scores in the couple's handouts."""
    partner = current_user._get_current_object()
    form = ScoreSharingForm(data={"shares": "yes" if partner.shares_checkin_scores else "no"})
    if form.validate_on_submit():
        shares = form.shares.data == "yes"
        if consent.set_score_sharing(partner, shares):
            flash("Saved. Your scores can now appear in your handouts, if you both say yes." if shares
                  else "Saved. Your scores stay between you and your therapist.", "success")
        else:
            flash("Nothing changed: that was already your choice.", "info")
        return redirect(url_for("portal.sharing"))
    return render_template("portal/sharing.html", form=form, partner=partner)


@bp.get("/support")
def support():
    return render_template("portal/support.html")


@bp.get("/safety-plan")
def safety_plan():
    """Prompts for planning to stay safe. The page has no form and sends nothing: a plan kept here could be found."""
    return render_template("portal/safety_plan.html")
