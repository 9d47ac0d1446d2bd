"""Partner access: invitation links, setting a password, signing in.

Partners may have no email or share one, so an email never identifies a
partner on its own: at sign-in we check the password against each partner
with that email, and only one can match (see `authenticate`).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select, update

from practice.errors_domain import DomainError
from practice.extensions import db
from practice.mail import send_templated
from practice.models import Clinician, Partner, PartnerInvitation, utcnow
from practice.passwords import hash_password, needs_rehash, verify_password
from practice.tokens import new_token, usable_token_row
from practice.templating import isolate

MAX_PARTNERS_PER_EMAIL = 10


def issue_invitation(partner: Partner, clinician: Clinician) -> str:
    """Replace any open invitation with a new link; email it if we can; return it."""
    _close_open_invitations(partner)
    token, token_hash = new_token()
    days = current_app.config["INVITATION_DAYS"]
    db.session.add(PartnerInvitation(
        partner=partner, created_by_id=clinician.id, token_hash=token_hash,
        expires_at=utcnow() + timedelta(days=days),
    ))
    db.session.commit()
    link = url_for("portal.welcome", token=token, _external=True)
    if partner.email:
        send_templated(partner.email, f"Your private Twofold space from {isolate(clinician.practice.name)}",
                       "partner_invitation", partner=partner, clinician=clinician, link=link, days=days)
    return link


def revoke_access(partner: Partner) -> None:
    """Sign the partner out everywhere and stop their password and links working."""
    _close_open_invitations(partner)
    partner.access_revoked_at = utcnow()
    partner.rotate_session_token()
    db.session.commit()


def _close_open_invitations(partner: Partner) -> None:
    db.session.execute(
        update(PartnerInvitation)
        .where(PartnerInvitation.partner_id == partner.id, PartnerInvitation.used_at.is_(None),
               PartnerInvitation.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def open_invitations(partners: list[Partner]) -> dict[int, PartnerInvitation | None]:
    """Each partner's invitation that can still be used, or None, by partner id (one query)."""
    found = dict.fromkeys((p.id for p in partners), None)
    rows = db.session.scalars(
        select(PartnerInvitation).where(
            PartnerInvitation.partner_id.in_(found), PartnerInvitation.used_at.is_(None),
            PartnerInvitation.revoked_at.is_(None), PartnerInvitation.expires_at > utcnow(),
        )
    )
    for invitation in rows:
        found[invitation.partner_id] = invitation
    return found


def check_invitation(token: str) -> PartnerInvitation:
    """The usable invitation behind a link, or TokenError."""
    return usable_token_row(PartnerInvitation, token)


def accept_invitation(token: str, *, email: str, password: str) -> Partner:
    """Set the partner's sign-in email and password; the link is then spent."""
    invitation = check_invitation(token)
    partner = invitation.partner
    if _password_taken_at_email(email, password, exclude=partner):
        raise DomainError(
            "Please choose a different password. Someone else signs in with this email, "
            "and each person needs their own password.", field="password",
        )
    invitation.used_at = utcnow()
    partner.email = email
    partner.password_hash = hash_password(password)
    partner.access_revoked_at = None
    partner.activated_at = utcnow()
    partner.rotate_session_token()
    db.session.commit()
    return partner


def _candidates(email: str) -> list[Partner]:
    return list(db.session.scalars(
        select(Partner).where(Partner.email == email, Partner.password_hash.is_not(None))
        .order_by(Partner.id).limit(MAX_PARTNERS_PER_EMAIL)
    ))


def _password_taken_at_email(email: str, password: str, exclude: Partner) -> bool:
    """Two partners sharing an email must not share a password, or sign-in can't tell them apart."""
    return any(verify_password(p.password_hash, password) for p in _candidates(email) if p.id != exclude.id)


def authenticate(email: str, password: str) -> Partner | None:
    """The partner with this email whose password matches, or None.

    At least one hash is always checked, so an unknown email costs the same
    time as a wrong password.
    """
    candidates = _candidates(email) or [None]
    for partner in candidates:
        if verify_password(partner.password_hash if partner else None, password):
            return _signed_in(partner, password) if partner.is_active else None
    return None


def _signed_in(partner: Partner, password: str) -> Partner:
    if needs_rehash(partner.password_hash):
        partner.password_hash = hash_password(password)
    partner.last_login_at = utcnow()
    db.session.commit()
    return partner


def sign_out_everywhere(partner: Partner) -> None:
    """End every session of this partner (their own sign-out)."""
    partner.rotate_session_token()
    db.session.commit()
