"""Forms partners fill in to get into their portal."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, SubmitField
from wtforms.validators import InputRequired, Length

from practice.auth.forms import NewPasswordMixin
from practice.platform.passwords import MAX_LENGTH
from practice.web.formtools import FlaskForm, email_validators, lower_strip


class PartnerLoginForm(FlaskForm):
    """Email and password, on the partner's own sign-in page."""

    email = EmailField("Email", filters=[lower_strip], validators=email_validators())
    password = PasswordField("Password", validators=[InputRequired("Please enter your password."), Length(max=MAX_LENGTH)])
    remember = BooleanField("Keep me signed in on this device (only on a device no one else uses)")
    submit = SubmitField("Sign in")


class WelcomeForm(NewPasswordMixin, FlaskForm):
    """A partner chooses how they will sign in."""

    email = EmailField(
        "Your email", filters=[lower_strip], validators=email_validators(),
        description="You'll use this to sign in. It can be an address you share with your partner; "
        "your password keeps your space your own.",
    )
    submit = SubmitField("Save and open my space")


class ScoreSharingForm(FlaskForm):
    """A partner's own answer to "Share my check-in scores in our session handouts" (no until they say yes)."""

    shares = RadioField(
        "Share my check-in scores in our session handouts",
        choices=[SelectChoice("no", "No, keep my scores between me and my therapist"),
                 SelectChoice("yes", "Yes, my partner may see my scores in our handouts")],
        default="no", validate_choice=True, validators=[InputRequired("Please choose yes or no.")],
    )
    submit = SubmitField("Save my choice")
