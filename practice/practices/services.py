"""Practice rules: the profile and the team."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select

from practice import audit
from practice.extensions import db
from practice.versioning import save_versioned
from practice.mail import send_templated
from practice.models import Clinician, ClinicianInvitation, Practice, utcnow
from practice.tokens import new_token
from practice.templating import isolate

PROFILE_FIELDS = ("name", "address", "phone", "timezone", "crisis_resources", "page_size")
SECURITY_FIELDS = ("idle_timeout_minutes", "require_two_factor")


def update_profile(practice: Practice, expected_version: int, changes: dict) -> None:
    """Save the practice profile and sign-in rules, refusing a stale form."""
    values = {k: changes[k] or "" for k in PROFILE_FIELDS} | {k: changes[k] for k in SECURITY_FIELDS}
    if any(getattr(practice, k) != values[k] for k in SECURITY_FIELDS):
        audit.record(audit.AuditAction.CHANGE, record=practice, detail={"field": "sign_in_rules"})
    save_versioned(practice, expected_version, values)


def invite_clinician(owner: Clinician, email: str) -> str:
    """Create an invitation, email it, and return the link for the owner."""
    token, token_hash = new_token()
    days = current_app.config["INVITATION_DAYS"]
    db.session.add(
        ClinicianInvitation(
            practice_id=owner.practice_id, invited_by=owner, email=email,
            token_hash=token_hash, expires_at=utcnow() + timedelta(days=days),
        )
    )
    db.session.commit()
    link = url_for("auth.accept_invitation", token=token, _external=True)
    send_templated(email, f"{isolate(owner.name)} invited you to join {isolate(owner.practice.name)} on Twofold",
                   "clinician_invitation", owner=owner, link=link, days=days)
    return link


def revoke_invitation(invitation: ClinicianInvitation) -> None:
    """Make an invitation link stop working."""
    invitation.revoked_at = utcnow()
    db.session.commit()


def open_invitations(practice_id: int) -> list[ClinicianInvitation]:
    """Invitations that can still be accepted, newest first."""
    rows = db.session.scalars(
        select(ClinicianInvitation)
        .where(
            ClinicianInvitation.practice_id == practice_id,
            ClinicianInvitation.used_at.is_(None),
            ClinicianInvitation.revoked_at.is_(None),
            ClinicianInvitation.expires_at > utcnow(),
        )
        .order_by(ClinicianInvitation.created_at.desc())
    )
    return list(rows)


def team(practice_id: int) -> list[Clinician]:
    """Everyone in the practice, by name."""
    return list(db.session.scalars(select(Clinician).where(Clinician.practice_id == practice_id).order_by(Clinician.name)))


def set_active(clinician: Clinician, active: bool) -> None:
    """Turn a colleague's access off or back on; their couples stay as they are."""
    clinician.active = active
    if not active:
        clinician.rotate_session_token()
    db.session.commit()
