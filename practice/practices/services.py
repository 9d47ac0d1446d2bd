"""Practice rules: the profile and the team."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from practice import audit
from practice.checkins import notices
from practice.domain import CoupleStatus, DomainError
from practice.extensions import db
from practice.models import Clinician, ClinicianInvitation, Couple, Practice, SafetyFlag, utcnow
from practice.platform.database import writing
from practice.platform.mail import Regarding, send_templated
from practice.platform.urls import public_url_for
from practice.practices import crisis
from practice.rules.tokens import new_token
from practice.rules.versioning import flush_or_conflict, save_versioned
from practice.web.templating import isolate

PROFILE_FIELDS = ("name", "address", "phone", "timezone", *crisis.FIELDS, "crisis_resources", "page_size")
SECURITY_FIELDS = ("idle_timeout_minutes", "require_two_factor", "safety_escalation_hours", "safety_flag_weeks",
                   "export_retention_days")
# an older form may not send them
KEPT_WHEN_LEFT_OUT = ("safety_escalation_hours", "safety_flag_weeks", "export_retention_days")


def update_profile(practice: Practice, expected_version: int, changes: dict) -> None:
    """Save the practice profile and sign-in rules, refusing a stale form."""
    with writing():
        values = {k: changes[k] or "" for k in PROFILE_FIELDS} | {k: changes[k] for k in SECURITY_FIELDS}
        for name in KEPT_WHEN_LEFT_OUT:
            if values[name] is None:
                values[name] = getattr(practice, name)
        if any(getattr(practice, k) != values[k] for k in SECURITY_FIELDS):
            audit.record(audit.AuditAction.CHANGE, record=practice, detail={"field": "sign_in_rules"})
        save_versioned(practice, expected_version, values)


def invite_clinician(owner: Clinician, email: str) -> str:
    """Create an invitation, email it, and return the link for the owner."""
    token, token_hash = new_token()
    days = current_app.config["INVITATION_DAYS"]
    link = public_url_for("auth.accept_invitation", token=token)
    with writing():  # the invitation and its email, both or neither
        invitation = ClinicianInvitation(practice_id=owner.practice_id, invited_by=owner, email=email,
                                         token_hash=token_hash, expires_at=utcnow() + timedelta(days=days))
        db.session.add(invitation)
        send_templated(email, f"{isolate(owner.name)} invited you to join {isolate(owner.practice.name)} on Twofold",
                       "clinician_invitation", owner=owner, link=link, days=days,
                       regarding=Regarding(practice_id=owner.practice_id,
                                           topic=f"colleague_invitation:{audit.email_digest(email)[:32]}"))
    return link


def revoke_invitation(invitation: ClinicianInvitation) -> None:
    """Make an invitation link stop working."""
    with writing():
        invitation.revoked_at = utcnow()


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


NEEDS_REASSIGNMENT = (
    "This clinician still has couples. Choose an active colleague for each couple first, so that no couple "
    "is left without a therapist."
)
NOT_A_COLLEAGUE = "Please choose an active colleague in this practice for every couple."
LAST_ACTIVE = "This is the only clinician who can still sign in, so there is no one to pass their couples to."


def waiting_safety_flags(practice: Practice, now: datetime) -> list[SafetyFlag]:
    """Open safety flags of the practice past its escalation limit (or whose clinician is gone), oldest first.

    For the owner's team page, where the escalation email leads: which couple and whose caseload, never the answer.
    """
    limit = now - timedelta(hours=practice.safety_escalation_hours)
    return list(db.session.scalars(
        select(SafetyFlag).join(SafetyFlag.couple).join(Couple.clinician)
        .where(Clinician.practice_id == practice.id, SafetyFlag.acknowledged_at.is_(None),
               or_(SafetyFlag.raised_at <= limit, Clinician.active.is_(False)))
        .options(joinedload(SafetyFlag.couple).selectinload(Couple.partners),
                 joinedload(SafetyFlag.couple).joinedload(Couple.clinician))
        .order_by(SafetyFlag.raised_at, SafetyFlag.id)
    ))


def couples_of(clinician: Clinician) -> list[Couple]:
    """Every couple in this clinician's caseload (open ones first, then closed), for reassignment."""
    couples = db.session.scalars(
        select(Couple).where(Couple.clinician_id == clinician.id).options(selectinload(Couple.partners))
    ).all()
    return sorted(couples, key=lambda c: (c.status == CoupleStatus.CLOSED.value, c.name.casefold(), c.id))


def colleagues_to_take_over(clinician: Clinician) -> list[Clinician]:
    """Active clinicians of the same practice who could take this clinician's couples."""
    return [c for c in team(clinician.practice_id) if c.active and c.id != clinician.id]


def set_active(clinician: Clinician, active: bool) -> None:
    """Let a colleague sign in again, or turn off the sign-in of one who has no couples left."""
    if not active:
        deactivate(clinician, {})
        return
    with writing():
        clinician.active = True


def deactivate(clinician: Clinician, new_clinicians: dict[int, int]) -> None:
    """Turn off a colleague's sign-in, moving each of their couples to the colleague chosen for it.

    `new_clinicians` maps every couple id of the caseload (closed ones too) to an active colleague's
    id. Active clinicians are locked first, so two owners deactivating at once cannot strand couples.
    """
    with writing():
        active = {c.id: c for c in db.session.scalars(
            select(Clinician).where(Clinician.practice_id == clinician.practice_id, Clinician.active.is_(True))
            .order_by(Clinician.id).with_for_update()
        )}
        if clinician.id not in active:
            return  # already turned off
        couples = db.session.scalars(
            select(Couple).where(Couple.clinician_id == clinician.id).order_by(Couple.id).with_for_update()
        ).all()
        if couples and len(active) == 1:
            raise DomainError(LAST_ACTIVE)
        if any(c.id not in new_clinicians for c in couples):
            raise DomainError(NEEDS_REASSIGNMENT)
        open_flags: list[int] = []
        for couple in couples:
            target = active.get(new_clinicians[couple.id])
            if target is None or target.id == clinician.id:
                raise DomainError(NOT_A_COLLEAGUE)
            audit.record(audit.AuditAction.CHANGE, record=couple, couple_id=couple.id,
                         detail={"what": "clinician", "from": clinician.id, "to": target.id})
            couple.clinician_id = target.id
            open_flags += notices.hand_over([couple.id], target.id)
        clinician.active = False
        clinician.rotate_session_token()
        audit.record(audit.AuditAction.CHANGE, record=clinician,
                     detail={"what": "deactivated", "couples_moved": len(couples)})
        flush_or_conflict()  # a couple saved meanwhile: nothing moves, the owner tries again
    for flag_id in open_flags:  # the new therapists hear of open flags now, not at their next sign-in
        notices.deliver_soon(flag_id)
