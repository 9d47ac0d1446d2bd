"""Account rules: sign-up, sign-in, password reset, invitations.

Services change rows in one unit of work (`writing()`) that commits once;
views only translate their errors.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from practice import audit
from practice.domain import DomainError, TokenError
from practice.extensions import db
from practice.models import (
    Clinician,
    ClinicianInvitation,
    PasswordResetToken,
    Practice,
    SignupRequest,
    utcnow,
)
from practice.platform.database import writing
from practice.platform.mail import Composed, Regarding, composer, send_composed, send_templated
from practice.platform.mail import render as render_email
from practice.platform.passwords import hash_password, needs_rehash, verify_password
from practice.platform.urls import public_url_for
from practice.rules.tokens import GONE_LINK, new_token, usable_token_row


def clinician_by_email(email: str) -> Clinician | None:
    """The clinician with this (lower-case) email, active or not."""
    return db.session.scalar(select(Clinician).where(Clinician.email == email))


def request_signup(*, name: str, credentials: str, practice_name: str, email: str, password: str) -> None:
    """Keep the sign-up and queue its email: a confirmation link, or a "you already have an account" note.

    The request does the same work and shows the same page either way; only the worker looks up whether
    the email has an account (`compose_signup`), so neither the page nor its timing reveals it.
    """
    password_hash = hash_password(password)  # slow: before the write lock is taken
    with writing():  # the sign-up and its outbox row, both or neither
        db.session.add(
            SignupRequest(
                email=email, name=name, credentials=credentials, practice_name=practice_name,
                password_hash=password_hash, token_hash=new_token()[1],  # a link nobody has, until the worker's
                expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
            )
        )
        send_composed("signup", email)


@composer("signup")
def compose_signup(email: str) -> Composed | None:
    """In the worker: the newest sign-up's confirmation link, or a note if the email already has an account."""
    if clinician_by_email(email) is not None:
        return render_email("You already have a Twofold account", "signup_existing",
                            login_url=public_url_for("auth.login"), reset_url=public_url_for("auth.reset_request"))
    signup = db.session.scalar(
        select(SignupRequest).where(SignupRequest.email == email, SignupRequest.used_at.is_(None))
        .order_by(SignupRequest.id.desc()).limit(1)
    )
    if signup is None:
        return None
    token, signup.token_hash = new_token()  # an earlier link for this sign-up stops working
    return render_email("Confirm your email to finish signing up", "signup_confirm",
                        name=signup.name, confirm_url=public_url_for("auth.confirm_signup", token=token))


def confirm_signup(token: str) -> Clinician:
    """Create the practice and its owner from a confirmed sign-up.

    The link is checked in a read first, so a spent or mistyped link never takes the write lock; a good
    one is checked again under the lock, where only one of two clicks can spend it.
    """
    usable_token_row(SignupRequest, token)
    with writing():
        signup = usable_token_row(SignupRequest, token)
        signup.used_at = utcnow()
        taken = clinician_by_email(signup.email) is not None
        if not taken:
            practice = Practice(name=signup.practice_name)
            clinician = Clinician(
                practice=practice, name=signup.name, credentials=signup.credentials,
                email=signup.email, password_hash=signup.password_hash, is_owner=True,
            )
            db.session.add_all([practice, clinician])
            audit.record(audit.AuditAction.LOGIN, actor=clinician)
    if taken:  # the link is spent all the same
        raise TokenError("This email already has a Twofold account. Please sign in instead.")
    return clinician


def authenticate(email: str, password: str) -> Clinician | None:
    """The active clinician with these credentials, or None (the password step of signing in).

    An unknown email costs the same hashing time as a wrong password.
    """
    clinician = clinician_by_email(email)
    if not verify_password(clinician.password_hash if clinician else None, password) or not clinician.active:
        # No identity: the trail must not tell which typed emails have accounts.
        with writing():
            audit.record(audit.AuditAction.LOGIN_FAILED, detail={"email_hmac": audit.email_digest(email)})
        return None
    if needs_rehash(clinician.password_hash):
        rehashed = hash_password(password)
        with writing():
            clinician.password_hash = rehashed
    return clinician


def complete_sign_in(clinician: Clinician) -> None:
    """Every factor has been checked: note the sign-in."""
    with writing():
        clinician.last_login_at = utcnow()
        audit.record(audit.AuditAction.LOGIN, actor=clinician)


def confirm_password(clinician: Clinician, password: str) -> bool:
    """Re-check the signed-in clinician's password before a sensitive change."""
    if verify_password(clinician.password_hash, password):
        return True
    with writing():
        audit.record(audit.AuditAction.LOGIN_FAILED, actor=clinician, detail={"step": "reauth"})
    return False


def sign_out_everywhere(clinician: Clinician) -> None:
    """End every session and remember-me cookie of this clinician."""
    with writing():
        clinician.rotate_session_token()
        audit.record(audit.AuditAction.LOGOUT, actor=clinician)


def request_password_reset(email: str) -> None:
    """Queue a reset for this address; the worker sends a link only if an active account has it.

    The same work and the same page whether or not the email has an account, and mail goes out later,
    so neither timing nor a slow or failing mail server reveals which.
    """
    with writing():
        send_composed("password_reset", email)


@composer("password_reset")
def compose_password_reset(email: str) -> Composed | None:
    """In the worker: a single-use reset link for the active account with this address, or nothing."""
    clinician = clinician_by_email(email)
    if clinician is None or not clinician.active:
        return None
    token, token_hash = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(
        PasswordResetToken(clinician=clinician, token_hash=token_hash, expires_at=utcnow() + timedelta(hours=hours))
    )
    return render_email("Reset your Twofold password", "password_reset",
                        name=clinician.name, hours=hours,
                        reset_url=public_url_for("auth.reset_password", token=token))


def check_reset_token(token: str) -> PasswordResetToken:
    """The reset token row behind a link, or TokenError."""
    return usable_token_row(PasswordResetToken, token)


def reset_password(token: str, password: str) -> Clinician:
    """Set a new password from a reset link and sign out every other session."""
    password_hash = hash_password(password)
    with writing():
        reset = check_reset_token(token)
        reset.used_at = utcnow()
        clinician = reset.clinician
        _set_password(clinician, password_hash)
    return clinician


def change_password(clinician: Clinician, current: str, new: str) -> None:
    """Change a password after proving the current one."""
    if not verify_password(clinician.password_hash, current):
        raise DomainError("That isn't your current password.", field="current_password")
    password_hash = hash_password(new)
    with writing():
        _set_password(clinician, password_hash)


def _set_password(clinician: Clinician, password_hash: str) -> None:
    """A new password (hashed before the unit of work, which should be short) ends every other session."""
    clinician.password_hash = password_hash
    clinician.rotate_session_token()


def _email_links() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change")


def request_email_change(clinician: Clinician, new_email: str) -> None:
    """Email a confirmation link to the new address; nothing changes until it is opened.

    An address that already has an account gets nothing, and the page says
    the same either way, so this never reveals who has an account.
    """
    if clinician_by_email(new_email) is not None:
        return
    token = _email_links().dumps({"id": clinician.id, "from": clinician.email, "to": new_email})
    with writing():
        send_templated(new_email, "Confirm your new Twofold sign-in email", "email_change_confirm",
                       name=clinician.name, hours=current_app.config["EMAIL_CHANGE_HOURS"],
                       confirm_url=public_url_for("security.confirm_email", token=token))


def confirm_email_change(clinician: Clinician, token: str) -> None:
    """Switch to the confirmed address, and tell the old one."""
    try:
        change = _email_links().loads(token, max_age=current_app.config["EMAIL_CHANGE_HOURS"] * 3600)
    except BadData:
        raise TokenError(GONE_LINK) from None
    with writing():
        if change.get("id") != clinician.id or change.get("from") != clinician.email:
            raise TokenError(GONE_LINK)  # another account's link, or already used
        if clinician_by_email(change["to"]) is not None:
            raise TokenError("This email already has a Twofold account, so it can't be used for yours.")
        old = clinician.email
        clinician.email = change["to"]
        audit.record(audit.AuditAction.CHANGE, record=clinician, detail={"field": "email"})
        send_templated(old, "Your Twofold sign-in email was changed", "email_changed",
                       name=clinician.name, new_email=clinician.email,
                       regarding=Regarding(practice_id=clinician.practice_id, clinician_id=clinician.id,
                                           topic=f"email_changed:{clinician.id}"))


def update_profile(clinician: Clinician, *, name: str, credentials: str) -> None:
    """Change how a clinician's name appears."""
    with writing():
        clinician.name = name
        clinician.credentials = credentials


def check_invitation(token: str) -> ClinicianInvitation:
    """The open invitation behind a link, or TokenError."""
    return usable_token_row(ClinicianInvitation, token)


def accept_invitation(token: str, *, name: str, credentials: str, password: str) -> Clinician:
    """Create the invited clinician's account in the inviting practice."""
    password_hash = hash_password(password)
    with writing():
        invitation = check_invitation(token)
        if clinician_by_email(invitation.email) is not None:
            raise TokenError("This email already has a Twofold account. Please sign in instead.")
        invitation.used_at = utcnow()
        clinician = Clinician(
            practice_id=invitation.practice_id, name=name, credentials=credentials,
            email=invitation.email, password_hash=password_hash,
        )
        db.session.add(clinician)
        audit.record(audit.AuditAction.LOGIN, actor=clinician)
    return clinician
