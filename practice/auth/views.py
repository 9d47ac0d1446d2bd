"""Signing up, in and out; password reset; joining a practice by invitation."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from practice.auth import services, two_factor
from practice.auth.forms import (
    AcceptInvitationForm,
    AccountForm,
    ChangePasswordForm,
    CodeForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from practice.auth.guards import require_clinician
from practice.auth.lifetimes import PENDING_SECOND_FACTOR, now, return_to, start_session
from practice.auth.ratelimits import guarded, guarded_code
from practice.domain import DomainError, TokenError
from practice.extensions import db
from practice.models import Clinician
from practice.web.error_pages import render_error
from practice.web.templating import isolate

bp = Blueprint("auth", __name__)


def sign_in(clinician: Clinician, then: str):
    """After the password: straight in, or on to the code from their authenticator app."""
    if clinician.has_two_factor:
        session.clear()
        session[PENDING_SECOND_FACTOR] = {"id": clinician.id, "token": clinician.session_token, "at": now(), "next": then}
        return redirect(url_for("auth.second_factor"))
    services.complete_sign_in(clinician)
    start_session(clinician)
    return redirect(then)


def pending_clinician() -> Clinician | None:
    """The clinician whose password was just checked, while their code is still awaited."""
    pending = session.get(PENDING_SECOND_FACTOR) or {}
    if now() - pending.get("at", 0) > current_app.config["TWO_FACTOR_PENDING_MINUTES"] * 60:
        return None
    clinician = db.session.get(Clinician, pending.get("id") or 0)
    if clinician is None or not clinician.active or not clinician.has_two_factor:
        return None
    return clinician if hmac.compare_digest(clinician.session_token, pending.get("token", "")) else None


def link_problem(error: TokenError):
    """The page for a link that can't be used."""
    return render_error(400, "This link can't be used", error.message)


@bp.route("/signup", methods=["GET", "POST"])
@guarded
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        services.request_signup(
            name=form.name.data, credentials=form.credentials.data or "",
            practice_name=form.practice_name.data, email=form.email.data, password=form.password.data,
        )
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/signup.html", form=form)


@bp.route("/signup/confirm/<token>")
def confirm_signup(token: str):
    try:
        clinician = services.confirm_signup(token)
    except TokenError as error:
        return link_problem(error)
    start_session(clinician)
    flash("Welcome to Twofold. Your practice is ready; start by adding its details.", "success")
    return redirect(url_for("practices.profile"))


@bp.route("/login", methods=["GET", "POST"])
@guarded
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        clinician = services.authenticate(form.email.data, form.password.data)
        if clinician is not None:
            return sign_in(clinician, return_to(url_for("main.home")))
        form.password.errors.append("That email and password don't match an account. Please try again.")
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@guarded_code
def second_factor():
    clinician = pending_clinician()
    if clinician is None:
        session.pop(PENDING_SECOND_FACTOR, None)
        flash("Please sign in again; the time to type the code ran out.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.verify_sign_in_code(clinician, form.code.data):
            then = session[PENDING_SECOND_FACTOR]["next"]
            services.complete_sign_in(clinician)
            start_session(clinician)
            return redirect(then)
        form.code.errors.append(two_factor.WRONG_CODE)
    return render_template("auth/login_code.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have signed out. See you next time.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/reset", methods=["GET", "POST"])
@guarded
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("auth/check_email.html", email=form.email.data, reset=True)
    return render_template("auth/reset_request.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@guarded
def reset_password(token: str):
    try:
        services.check_reset_token(token)
    except TokenError as error:
        return link_problem(error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        clinician = services.reset_password(token, form.password.data)
        response = sign_in(clinician, url_for("main.home"))  # a fresh session: flash after it
        flash("Your password has been changed, and any other devices have been signed out.", "success")
        return response
    return render_template("auth/reset_password.html", form=form)


@bp.route("/join/<token>", methods=["GET", "POST"])
@guarded
def accept_invitation(token: str):
    try:
        invitation = services.check_invitation(token)
    except TokenError as error:
        return link_problem(error)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            clinician = services.accept_invitation(
                token, name=form.name.data, credentials=form.credentials.data or "", password=form.password.data
            )
        except TokenError as error:
            return link_problem(error)
        start_session(clinician)
        flash(f"Welcome to {isolate(clinician.practice.name)}.", "success")
        return redirect(url_for("main.home"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


account = Blueprint("account", __name__, url_prefix="/account")
account.before_request(require_clinician)


@account.route("/", methods=["GET", "POST"])
def settings():
    clinician = current_user._get_current_object()
    form = AccountForm(obj=clinician)
    password_form = ChangePasswordForm(prefix="pw")
    if form.submit.data and form.validate_on_submit():
        services.update_profile(clinician, name=form.name.data, credentials=form.credentials.data or "")
        flash("Your details are saved.", "success")
        return redirect(url_for("account.settings"))
    return render_template("auth/account.html", form=form, password_form=password_form)


@account.post("/password")
def change_password():
    clinician = current_user._get_current_object()
    form = AccountForm(obj=clinician, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            services.change_password(clinician, password_form.current_password.data, password_form.password.data)
        except DomainError as error:
            password_form.current_password.errors.append(error.message)
        else:
            start_session(clinician)
            flash("Your password has been changed, and any other devices have been signed out.", "success")
            return redirect(url_for("account.settings"))
    return render_template("auth/account.html", form=form, password_form=password_form)
