"""Forms for signing up, signing in and managing one's own account."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError

from practice.platform.passwords import MAX_LENGTH, password_problem
from practice.web.formtools import FlaskForm, NameText, PlainText, email_validators, lower_strip, strip


def new_password_check(form, field) -> None:
    """Length and the common-password list, with a friendly reason."""
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class NewPasswordMixin:
    """A new password typed twice."""

    password = PasswordField(
        "Password",
        validators=[InputRequired("Please choose a password."), new_password_check],
        description="At least 12 characters. A short sentence is easy to remember and hard to guess.",
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[InputRequired("Please type the password again."), EqualTo("password", "The two passwords don't match.")],
    )


class ProfileFieldsMixin:
    """Name and credentials, as they appear on letters and PDFs."""

    name = StringField(
        "Your name",
        filters=[strip],
        validators=[InputRequired("Please enter your name."), Length(max=120), PlainText(), NameText()],
    )
    credentials = StringField(
        "Credentials",
        filters=[strip],
        validators=[Optional(), Length(max=60), PlainText(), NameText()],
        description="For example LMFT, LCSW or PsyD. Shown after your name.",
    )


class SignupForm(ProfileFieldsMixin, NewPasswordMixin, FlaskForm):
    """A therapist creates their account and practice."""

    practice_name = StringField(
        "Practice name",
        filters=[strip],
        validators=[InputRequired("Please name your practice."), Length(max=120), PlainText(), NameText()],
        description="You can change this later, with your address and phone, for the letterhead.",
    )
    email = EmailField("Email", filters=[lower_strip], validators=email_validators())
    submit = SubmitField("Create my account")


class LoginForm(FlaskForm):
    """Email and password; we never say which of the two was wrong."""

    email = EmailField("Email", filters=[lower_strip], validators=email_validators())
    password = PasswordField(
        "Password", validators=[InputRequired("Please enter your password."), Length(max=MAX_LENGTH)]
    )
    submit = SubmitField("Sign in")


class CodeForm(FlaskForm):
    """A six-digit code from an authenticator app (or, at sign-in, a recovery code)."""

    code = StringField(
        "Code", filters=[strip],
        validators=[InputRequired("Please type the code."), Length(max=32, message="That code is too long.")],
    )
    submit = SubmitField("Continue")


class ConfirmPasswordForm(FlaskForm):
    """The password again, before a sensitive change."""

    password = PasswordField(
        "Your password", validators=[InputRequired("Please enter your password."), Length(max=MAX_LENGTH)]
    )
    submit = SubmitField("Confirm")


class ChangeEmailForm(FlaskForm):
    """A new sign-in email, confirmed by a link sent to it."""

    email = EmailField("New email", filters=[lower_strip], validators=email_validators())
    submit = SubmitField("Send a confirmation link")


class ResetRequestForm(FlaskForm):
    """Ask for a password reset link."""

    email = EmailField("Email", filters=[lower_strip], validators=email_validators())
    submit = SubmitField("Send me a reset link")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """Choose a new password from a reset link."""

    submit = SubmitField("Save my new password")


class AcceptInvitationForm(ProfileFieldsMixin, NewPasswordMixin, FlaskForm):
    """A colleague joins the practice they were invited to."""

    submit = SubmitField("Join the practice")


class AccountForm(ProfileFieldsMixin, FlaskForm):
    """A clinician edits how their name appears."""

    submit = SubmitField("Save")


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    """Change password, proving the current one first."""

    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Please enter your current password."), Length(max=MAX_LENGTH)],
    )
    submit = SubmitField("Change password")
