"""Sign-in security: confirming the password, two-step sign-in, the sign-in email, and session status."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from practice.auth import lifetimes, services, two_factor
from practice.auth.forms import ChangeEmailForm, CodeForm, ConfirmPasswordForm
from practice.auth.guards import require_clinician_session
from practice.auth.ratelimits import guarded_reauth
from practice.auth.reauth import mark_reauthenticated, recent_auth_required
from practice.domain import DomainError, TokenError
from practice.web.error_pages import render_error

bp = Blueprint("security", __name__, url_prefix="/account/security")
bp.before_request(require_clinician_session)  # not require_clinician: this is where two-step sign-in is set up


@bp.route("/confirm", methods=["GET", "POST"])
@guarded_reauth
def confirm():
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if services.confirm_password(current_user._get_current_object(), form.password.data):
            mark_reauthenticated()
            return redirect(lifetimes.return_to(url_for("security.overview")))
        form.password.errors.append("That isn't your password. Please try again.")
    return render_template("auth/confirm_password.html", form=form)


def render_overview(email_form: ChangeEmailForm | None = None, error: str | None = None):
    clinician = current_user._get_current_object()
    return render_template(
        "auth/security.html", email_form=email_form or ChangeEmailForm(formdata=None), error=error,
        recovery_codes_left=two_factor.unused_recovery_codes(clinician) if clinician.has_two_factor else 0,
    )


@bp.get("/")
@recent_auth_required
def overview():
    return render_overview()


@bp.post("/email")
@recent_auth_required
def change_email():
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return render_overview(email_form=form)
    services.request_email_change(current_user._get_current_object(), form.email.data)
    flash(f"If {form.email.data} can be used, a confirmation link is on its way there. "
          "Your sign-in email changes when you open it.", "info")
    return redirect(url_for("security.overview"))


@bp.get("/email/<token>")
def confirm_email(token: str):
    try:
        services.confirm_email_change(current_user._get_current_object(), token)
    except TokenError as error:
        return render_error(400, "This link can't be used", error.message)
    flash(f"Your sign-in email is now {current_user.email}.", "success")
    return redirect(url_for("account.settings"))


@bp.post("/two-factor/start")
@recent_auth_required
def start_two_factor():
    two_factor.start_enrolment(current_user._get_current_object())
    return redirect(url_for("security.set_up_two_factor"))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@recent_auth_required
def set_up_two_factor():
    clinician = current_user._get_current_object()
    if clinician.totp_pending_secret is None:
        return redirect(url_for("security.overview"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(clinician, form.code.data)
        except DomainError as error:
            form.code.errors.append(error.message)
        else:
            flash("Two-step sign-in is on. We'll ask for a code each time you sign in.", "success")
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = two_factor.provisioning_uri(clinician)
    return render_template("auth/two_factor_setup.html", form=form, qr=two_factor.qr_code_svg(uri),
                           secret=clinician.totp_pending_secret)


@bp.post("/two-factor/recovery-codes")
@recent_auth_required
def new_recovery_codes():
    clinician = current_user._get_current_object()
    if not clinician.has_two_factor:
        return redirect(url_for("security.overview"))
    return render_template("auth/recovery_codes.html", codes=two_factor.regenerate_recovery_codes(clinician))


@bp.post("/two-factor/disable")
@recent_auth_required
def disable_two_factor():
    try:
        two_factor.disable(current_user._get_current_object())
    except DomainError as error:
        return render_overview(error=error.message)
    flash("Two-step sign-in is off. You can turn it back on here at any time.", "info")
    return redirect(url_for("security.overview"))


presence = Blueprint("presence", __name__, url_prefix="/presence")


def presence_report():
    """What the session-timeout script needs: time left, and a fresh CSRF token after signing in again."""
    left = lifetimes.remaining(current_user)
    return jsonify(signed_in=True, who=current_user.get_id().rpartition(":")[0], remaining=left.seconds,
                   renewable=left.renewable, csrf_token=generate_csrf())


@presence.get("/")
def status():
    """Asking does not count as activity (see lifetimes.PASSIVE_ENDPOINTS)."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False), 401
    return presence_report()


@presence.post("/keep-alive")
def keep_alive():
    """"Stay signed in": the request itself is the activity that `lifetimes.enforce` notes."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False), 401
    return presence_report()
