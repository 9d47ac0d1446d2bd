"""The demo practice: Riverbend Couples Therapy, its clinicians and couples.

Seeding is idempotent: rows are found by their natural keys (emails, the
practice name, partner names) and only missing ones are added, so running
it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from practice.demo.checkins import STORIES, seed_checkins
from practice.demo.homework import seed_homework
from practice.demo.sessions import freeze_signed_sessions, seed_sessions
from practice.domain import Area, CoupleStatus, Stage
from practice.extensions import db
from practice.library.loader import load_builtins
from practice.library.services import sync_builtins
from practice.models import Clinician, Couple, Partner, Practice, utcnow
from practice.platform.database import writing
from practice.platform.passwords import hash_password

DEMO_PASSWORD = "demo-password-123"
PORTAL_EMAILS = ("demo.alex@example.com", "demo.sam@example.com")
PRACTICE_NAME = "Riverbend Couples Therapy"

CRISIS_NUMBERS = {
    "emergency_label": "Emergency services", "emergency_number": "911",
    "crisis_line_label": "988 Suicide & Crisis Lifeline", "crisis_line_number": "988",
    "dv_line_label": "National Domestic Violence Hotline", "dv_line_number": "1-800-799-7233",
}
CRISIS_RESOURCES = (
    "You can also text START to 88788 to reach the National Domestic Violence Hotline.\n"
    "Between sessions you can call the practice on (555) 010-2040."
)


@dataclass(frozen=True)
class DemoCouple:
    partners: tuple[tuple[str, str, str | None], tuple[str, str, str | None]]
    concerns: tuple[Area, ...]
    stage: Stage
    weeks_ago: int
    status: CoupleStatus = CoupleStatus.ACTIVE


THERAPIST_COUPLES = (
    DemoCouple(
        (("Alex", "he/him", "demo.alex@example.com"), ("Sam", "she/her", "demo.sam@example.com")),
        (Area.INSECURE_ATTACHMENT, Area.STONEWALLING, Area.TAKEN_FOR_GRANTED),
        Stage.DEESCALATION, 10,
    ),
    DemoCouple(
        (("Priya", "she/her", "priya.demo@example.com"), ("Jordan", "they/them", None)),
        (Area.SEPARATE_LIVES, Area.AFFECTIONATE_TOUCH),
        Stage.RESTRUCTURING, 20,
    ),
    DemoCouple(
        (("Maria", "she/her", "mr.household@example.com"), ("Tomás", "he/him", "mr.household@example.com")),
        (Area.BETRAYAL, Area.HOSTILITY),
        Stage.CONSOLIDATION, 40,
    ),
    DemoCouple(
        (("Chris", "he/him", None), ("Dana", "she/her", None)),
        (Area.MENTAL_HEALTH, Area.LOW_SELF_WORTH),
        Stage.DEESCALATION, 30, CoupleStatus.PAUSED,
    ),
)

COLLEAGUE_COUPLES = (
    DemoCouple(
        (("Robin", "she/her", None), ("Lee", "he/him", None)),
        (Area.SEXUAL_INTIMACY, Area.HOSTILITY),
        Stage.RESTRUCTURING, 12,
    ),
)


def seed() -> list[tuple[str, str]]:
    """Create whatever part of the demo is missing; return (role, email) logins."""
    sync_builtins(load_builtins())
    password_hash = hash_password(DEMO_PASSWORD)  # slow by design: before the unit of work, not inside it
    with writing():
        practice = _practice()
        therapist = _clinician(practice, "demo.therapist@example.com", "Dr. Morgan Reyes", "PhD, LMFT", password_hash,
                               owner=True)
        colleague = _clinician(practice, "demo.colleague@example.com", "Jamie Okafor", "LCSW", password_hash)
        couples = {
            demo.partners[0][0]: _couple(clinician, demo)
            for clinician, demos in ((therapist, THERAPIST_COUPLES), (colleague, COLLEAGUE_COUPLES))
            for demo in demos
        }
        db.session.flush()
        partners = _portal_logins(password_hash)
        today = datetime.now(ZoneInfo(practice.timezone)).date()
        seed_homework(couples["Alex"], therapist, today)
        seed_sessions(couples["Alex"], therapist, today)
        for first_name in STORIES:
            seed_checkins(couples[first_name], first_name, today)
    freeze_signed_sessions(couples["Alex"], therapist)  # after the check-ins, which the clinician copies chart
    return [
        ("Therapist (practice owner)", therapist.email),
        ("Colleague", colleague.email),
        *((f"Partner: {p.name} (portal)", p.email) for p in partners),
    ]


def _portal_logins(password_hash: str) -> list[Partner]:
    """Give the demo partners Alex and Sam their own portal passwords."""
    partners = list(db.session.scalars(
        select(Partner).where(Partner.email.in_(PORTAL_EMAILS)).order_by(Partner.position)
    ))
    for partner in partners:
        if partner.password_hash is None:
            partner.password_hash = password_hash
            partner.activated_at = utcnow()
    return partners


def _practice() -> Practice:
    practice = db.session.scalar(select(Practice).where(Practice.name == PRACTICE_NAME))
    if practice is None:
        practice = Practice(
            name=PRACTICE_NAME,
            address="12 Riverside Walk, Suite 3\nPortland, OR 97201",
            phone="(555) 010-2040",
            timezone="America/Los_Angeles",
            crisis_resources=CRISIS_RESOURCES,
            **CRISIS_NUMBERS,
        )
        db.session.add(practice)
    return practice


def _clinician(practice, email, name, credentials, password_hash, owner=False) -> Clinician:
    clinician = db.session.scalar(select(Clinician).where(Clinician.email == email))
    if clinician is None:
        clinician = Clinician(
            practice=practice, email=email, name=name, credentials=credentials,
            password_hash=password_hash, is_owner=owner,
        )
        db.session.add(clinician)
    return clinician


def _couple(clinician: Clinician, demo: DemoCouple) -> Couple:
    first_name = demo.partners[0][0]
    existing = db.session.scalar(
        select(Couple).join(Partner).where(
            Couple.clinician_id == clinician.id, Partner.position == 1, Partner.name == first_name
        )
    ) if clinician.id else None
    if existing is not None:
        return existing
    couple = Couple(
        clinician=clinician, concerns=[a.value for a in demo.concerns], stage=demo.stage.value,
        start_date=date.today() - timedelta(weeks=demo.weeks_ago), status=demo.status.value,
    )
    couple.partners = [
        Partner(position=n, name=name, pronouns=pronouns, email=email)
        for n, (name, pronouns, email) in enumerate(demo.partners, start=1)
    ]
    db.session.add(couple)
    return couple
