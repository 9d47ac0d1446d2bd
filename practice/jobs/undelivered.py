"""The practice owner's list of email that could not be sent, so none is lost without anyone knowing.

A message lands here when the mail server refused every attempt
(practice.platform.mail). It shows what kind of message it was, whom it was for and
when, never what it said (the body is erased when it fails). It leaves the
list once a later message on the same topic goes out (a homework reminder,
for example, is tried again at the next reminder run), or after
practice.platform.mail.FAILED_KEPT.

The owner looks after the practice, not every couple in it: a message for a
partner of the owner's own couples names them, one for a colleague's couple
names only the colleague, whom the owner can tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from practice.auth.guards import require_owner
from practice.extensions import db
from practice.models import Clinician, Couple, OutgoingEmail, Partner
from practice.platform.mail import FAILED_KEPT

bp = Blueprint("undelivered", __name__, url_prefix="/practice")
bp.before_request(require_owner)

WHAT = {  # by topic kind; anything else is "An email"
    "reminder": "A homework reminder",
    "partner_invitation": "An invitation to their private space",
    "handout_corrected": "A note that a handout was updated",
    "colleague_invitation": "An invitation to join the practice",
    "email_changed": "A notice that a sign-in email was changed",
}


@dataclass(frozen=True)
class Undelivered:
    kind: str  # the topic's kind ("reminder", "colleague_invitation", ...), or "" for another email
    what: str
    failed_at: datetime
    attempts: int
    partner: Partner | None = None  # only for the owner's own couples
    couple: Couple | None = None
    colleague: Clinician | None = None  # whose couple it was about, when not the owner's
    clinician: Clinician | None = None  # the clinician it was for


def undelivered(owner: Clinician) -> list[Undelivered]:
    """The practice's failed messages, newest first."""
    partner, couples_clinician, clinician = aliased(Partner), aliased(Clinician), aliased(Clinician)
    rows = db.session.execute(
        select(OutgoingEmail.topic, OutgoingEmail.failed_at, OutgoingEmail.attempts, partner, Couple,
               couples_clinician, clinician)
        .outerjoin(partner, partner.id == OutgoingEmail.partner_id).outerjoin(Couple, Couple.id == partner.couple_id)
        .outerjoin(couples_clinician, couples_clinician.id == Couple.clinician_id)
        .outerjoin(clinician, clinician.id == OutgoingEmail.clinician_id)
        .where(OutgoingEmail.practice_id == owner.practice_id, OutgoingEmail.failed_at.is_not(None))
        .order_by(OutgoingEmail.failed_at.desc(), OutgoingEmail.id.desc())
    )
    listed = []
    for topic, failed_at, attempts, who, couple, couples_clinician, for_clinician in rows:
        kind = topic.partition(":")[0]
        what = WHAT.get(kind, "An email")
        if couple is not None and couple.clinician_id != owner.id:
            listed.append(Undelivered(kind, what, failed_at, attempts, colleague=couples_clinician))
        else:
            listed.append(Undelivered(kind, what, failed_at, attempts, who, couple, clinician=for_clinician))
    return listed


@bp.get("/undelivered-email")
def listing():
    return render_template("practices/undelivered.html", messages=undelivered(current_user._get_current_object()),
                           kept_days=FAILED_KEPT.days)
