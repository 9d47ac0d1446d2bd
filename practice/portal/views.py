"""The partner portal: a private space for one partner, phone first."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from practice.errors import render_error
from practice.errors_domain import DomainError, TokenError
from practice.portal import access
from practice.portal.forms import PartnerLoginForm, WelcomeForm
from practice.portal.guards import require_partner
from practice.ratelimits import guarded

bp = Blueprint("portal", __name__, url_prefix="/portal")
PUBLIC = {"portal.login", "portal.welcome"}


@bp.before_request
def guard():
    """Everything but signing in needs the signed-in partner."""
    if request.endpoint in PUBLIC:
        return None
    return require_partner()


def start_session(partner, remember: bool = False) -> None:
    session.clear()
    login_user(partner, remember=remember)


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
            return redirect(url_for("portal.home"))
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
            form.password.errors.append(error.message)
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
    return render_template("portal/home.html")


@bp.get("/support")
def support():
    return render_template("portal/support.html")
