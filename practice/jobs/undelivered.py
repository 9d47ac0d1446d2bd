"""The practice owner's list of email that could not be sent, so none is lost without anyone knowing.

A message lands here when the mail server refused every attempt
(practice.mail). It shows whom it was for and when, never what it said
(the body is erased when it fails). It leaves the list once a later message
on the same topic goes out: a homework reminder, for example, is tried
again at the next reminder run.
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
from practice.models import Couple, OutgoingEmail, Partner

bp = Blueprint("undelivered", __name__, url_prefix="/practice")
bp.before_request(require_owner)

WHAT = {"reminder": "A homework reminder"}  # by topic kind; anything else is "An email"


@dataclass(frozen=True)
class Undelivered:
    what: str
    partner: Partner | None
    couple: Couple | None
    failed_at: datetime
    attempts: int


def undelivered(practice_id: int) -> list[Undelivered]:
    """The practice's failed messages, newest first."""
    partner = aliased(Partner)
    rows = db.session.execute(
        select(OutgoingEmail.topic, OutgoingEmail.failed_at, OutgoingEmail.attempts, partner, Couple)
        .outerjoin(partner, partner.id == OutgoingEmail.partner_id).outerjoin(Couple, Couple.id == partner.couple_id)
        .where(OutgoingEmail.practice_id == practice_id, OutgoingEmail.failed_at.is_not(None))
        .order_by(OutgoingEmail.failed_at.desc(), OutgoingEmail.id.desc())
    )
    return [Undelivered(WHAT.get(topic.partition(":")[0], "An email"), who, couple, failed_at, attempts)
            for topic, failed_at, attempts, who, couple in rows]


@bp.get("/undelivered-email")
def listing():
    return render_template("practices/undelivered.html", messages=undelivered(current_user.practice_id))
