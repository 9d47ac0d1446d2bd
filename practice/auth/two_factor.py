"""Two-factor sign-in for clinicians: authenticator-app codes (TOTP) and recovery codes.

A code is accepted once: the time step it belongs to is stored, and a code
from that step or an earlier one is refused, even if two requests race
(the UPDATE only succeeds while the stored step is older). Secrets are
encrypted at rest (EncryptedText); recovery codes are kept only as salted
hashes and shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, or_, select, update

from practice import audit
from practice.domain import DomainError
from practice.extensions import db
from practice.models import Clinician, RecoveryCode, utcnow
from practice.platform.database import writing

ISSUER = "Twofold"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_LENGTH = 10
_TOTP_SHAPE = re.compile(r"^\d{6}$")
WRONG_CODE = "That code didn't work. Codes change every 30 seconds; please type the newest one."


def start_enrolment(clinician: Clinician) -> None:
    """Make a new secret to scan; the current one (if any) keeps working until the new one is confirmed."""
    with writing():
        clinician.totp_pending_secret = pyotp.random_base32()


def provisioning_uri(clinician: Clinician) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(clinician.totp_pending_secret).provisioning_uri(name=clinician.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> Markup:
    """The link as an inline SVG QR code: drawn here, so no request leaves the page."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#1b1b1b", title="QR code for your authenticator app")
    # Safe to mark: segno's own markup, whose only text is our fixed title.
    return Markup(svg)  # nosec B704


def confirm_enrolment(clinician: Clinician, code: str) -> list[str]:
    """Switch to the scanned secret once a code from it checks out; return new recovery codes."""
    with writing():
        step = _matching_step(clinician.totp_pending_secret, code)
        if step is None:
            raise DomainError(WRONG_CODE, field="code")
        clinician.totp_secret = clinician.totp_pending_secret
        clinician.totp_pending_secret = None
        clinician.totp_enabled_at = utcnow()
        clinician.totp_last_step = step
        codes = _replace_recovery_codes(clinician)
        audit.record(audit.AuditAction.CHANGE, record=clinician, detail={"two_factor": "enabled"})
    return codes


def regenerate_recovery_codes(clinician: Clinician) -> list[str]:
    """Retire every recovery code and issue a new set."""
    with writing():
        codes = _replace_recovery_codes(clinician)
        audit.record(audit.AuditAction.CHANGE, record=clinician, detail={"two_factor": "new_recovery_codes"})
    return codes


def disable(clinician: Clinician) -> None:
    """Stop asking for codes, unless the practice requires them."""
    with writing():
        if clinician.practice.require_two_factor:
            raise DomainError("Your practice asks everyone to use two-step sign-in, so it can't be turned off. "
                              "You can move it to a new phone instead.")
        clinician.totp_secret = clinician.totp_pending_secret = clinician.totp_last_step = None
        clinician.totp_enabled_at = None
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.clinician_id == clinician.id))
        audit.record(audit.AuditAction.CHANGE, record=clinician, detail={"two_factor": "disabled"})


def verify_sign_in_code(clinician: Clinician, code: str) -> bool:
    """Check a code typed at sign-in: an authenticator code (once only) or an unused recovery code."""
    typed = code.strip().replace(" ", "")
    with writing():
        if _TOTP_SHAPE.match(typed):
            step = _matching_step(clinician.totp_secret, typed)
            accepted = step is not None and _claim_step(clinician, step)
        else:
            accepted = _use_recovery_code(clinician, typed)
        if not accepted:
            audit.record(audit.AuditAction.LOGIN_FAILED, actor=clinician, detail={"factor": "second"})
    return accepted


def unused_recovery_codes(clinician: Clinician) -> int:
    """How many recovery codes are left, for the security page."""
    return len(_unused_codes(clinician))


def _matching_step(secret: str | None, code: str) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is."""
    typed = code.strip().replace(" ", "")
    if not secret or not _TOTP_SHAPE.match(typed):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def _claim_step(clinician: Clinician, step: int) -> bool:
    """Record `step` as used, only if no later or equal step was used: a replay updates nothing."""
    result = db.session.execute(
        update(Clinician)
        .where(Clinician.id == clinician.id, or_(Clinician.totp_last_step.is_(None), Clinician.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _replace_recovery_codes(clinician: Clinician) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.clinician_id == clinician.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        salt = secrets.token_hex(16)
        db.session.add(RecoveryCode(clinician_id=clinician.id, salt=salt, code_hash=_code_hash(salt, code)))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _use_recovery_code(clinician: Clinician, typed: str) -> bool:
    normalised = typed.lower().replace("-", "")
    for row in _unused_codes(clinician):
        if hmac.compare_digest(row.code_hash, _code_hash(row.salt, normalised)):
            claimed = db.session.execute(
                update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False)
            )
            return claimed.rowcount == 1
    return False


def _unused_codes(clinician: Clinician) -> list[RecoveryCode]:
    return list(db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.clinician_id == clinician.id, RecoveryCode.used_at.is_(None))
    ))


def _code_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
