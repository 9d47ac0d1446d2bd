"""Partner access: invitation links, setting a password, signing in.

Partners may have no email or share one, so an email never identifies a
partner on its own: at sign-in we check the password against each partner
with that email, and only one can match (see `authenticate`). Every sign-in
checks exactly MAX_PARTNERS_PER_EMAIL hashes, padding with a dummy, so the
time taken tells nobody whether an email has an account, or how many.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from practice.domain import DomainError
from practice.extensions import db
from practice.models import Clinician, Partner, PartnerInvitation, utcnow
from practice.platform.database import writing
from practice.platform.mail import Regarding, send_templated
from practice.platform.passwords import hash_password, needs_rehash, verify_password
from practice.platform.urls import public_url_for
from practice.practices import crisis
from practice.rules.tokens import new_token, usable_token_row
from practice.web.templating import isolate

# At most this many partners sign in with one email (a couple sharing an inbox, and one more,
# such as an earlier couple); each sign-in costs this many argon2 checks, known email or not.
MAX_PARTNERS_PER_EMAIL = 3


def issue_invitation(partner: Partner, clinician: Clinician) -> str:
    """Replace any open invitation with a new link; email it if we can; return it.

    Refused (DomainError) while the practice's crisis numbers are incomplete:
    a partner's first page must already say where to get help.
    """
    token, token_hash = new_token()
    days = current_app.config["INVITATION_DAYS"]
    link = public_url_for("portal.welcome", token=token)
    with writing():  # the new link, the old ones closed, and its email: all or nothing
        crisis.require_numbers(clinician.practice)
        _close_open_invitations(partner)
        db.session.add(PartnerInvitation(
            partner=partner, created_by_id=clinician.id, token_hash=token_hash, token_to_show=token,
            expires_at=utcnow() + timedelta(days=days),
        ))
        if partner.email:
            send_templated(partner.email, f"Your private Twofold space from {isolate(clinician.practice.name)}",
                           "partner_invitation", partner=partner, clinician=clinician, link=link, days=days,
                           regarding=Regarding(practice_id=clinician.practice_id, partner_id=partner.id,
                                               topic=f"partner_invitation:{partner.id}"))
    return link


def links_to_show(invitations: dict[int, PartnerInvitation | None]) -> dict[int, str]:
    """New links not yet shown to the therapist, by partner id; each is shown once, then forgotten.

    The token waits sealed on its invitation row, never in the session cookie; a page with a link
    forgets it in a short unit of work, re-reading it under the lock so two tabs never both show it.
    """
    waiting = {pid: inv for pid, inv in invitations.items() if inv is not None and inv.token_to_show}
    if not waiting:
        return {}
    links = {}
    with writing():
        for partner_id, invitation in waiting.items():
            if invitation.token_to_show:
                links[partner_id] = public_url_for("portal.welcome", token=invitation.token_to_show)
                invitation.token_to_show = None
    return links


def revoke_access(partner: Partner) -> None:
    """Sign the partner out everywhere and stop their password and links working."""
    with writing():
        _close_open_invitations(partner)
        partner.access_revoked_at = utcnow()
        partner.rotate_session_token()


def _close_open_invitations(partner: Partner) -> None:
    db.session.execute(
        update(PartnerInvitation)
        .where(PartnerInvitation.partner_id == partner.id, PartnerInvitation.used_at.is_(None),
               PartnerInvitation.revoked_at.is_(None))
        .values(revoked_at=utcnow(), token_to_show=None)
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
    if len([p for p in _candidates(email) if p.id != partner.id]) >= MAX_PARTNERS_PER_EMAIL:
        raise DomainError(
            f"Up to {MAX_PARTNERS_PER_EMAIL} people can sign in with one email, and this one is already "
            "used that many times. Please use another email address.", field="email",
        )
    if _password_taken_at_email(email, password, exclude=partner):
        raise DomainError(
            "Please choose a different password. Someone else signs in with this email, "
            "and each person needs their own password.", field="password",
        )
    password_hash = hash_password(password)  # the slow checks and hashing above run before the lock
    with writing():
        invitation = check_invitation(token)  # again, under the lock: a link is spent once
        partner = invitation.partner
        invitation.used_at = utcnow()
        invitation.token_to_show = None  # spent: nothing of it is kept
        partner.email = email
        partner.password_hash = password_hash
        partner.access_revoked_at = None
        partner.activated_at = utcnow()
        partner.rotate_session_token()
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

    Exactly MAX_PARTNERS_PER_EMAIL hashes are checked every time (dummies make up the rest), with no
    early exit, so an unknown email, a wrong password and a shared email all cost the same.
    """
    candidates = _candidates(email)
    matched = None
    for partner in candidates + [None] * (MAX_PARTNERS_PER_EMAIL - len(candidates)):
        if verify_password(partner.password_hash if partner else None, password) and matched is None:
            matched = partner
    if matched is None or not matched.is_active:
        return None
    return _signed_in(matched, password)


def _signed_in(partner: Partner, password: str) -> Partner:
    rehashed = hash_password(password) if needs_rehash(partner.password_hash) else None
    with writing():
        if rehashed:
            partner.password_hash = rehashed
        partner.last_login_at = utcnow()
    return partner


def sign_out_everywhere(partner: Partner) -> None:
    """End every session of this partner (their own sign-out)."""
    with writing():
        partner.rotate_session_token()
