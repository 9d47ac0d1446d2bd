"""seed-demo's check-ins: weeks of them that tell a story, one due now for Alex and Sam, no open safety flag."""

from __future__ import annotations

from sqlalchemy import func, select

from practice.checkins.progress import couple_progress
from practice.checkins.schedule import checkins_open, current_period
from practice.domain import CheckInItem
from practice.extensions import db
from practice.models import CheckIn, Partner, SafetyAnswer, SafetyFlag
from practice.web.templating import practice_today


def test_seed_demo_tells_a_check_in_story_once_with_one_due_now(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    total = db.session.scalar(select(func.count(CheckIn.id)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(CheckIn.id))) == total

    alex = db.session.scalar(select(Partner).where(Partner.email == "demo.alex@example.com"))
    priya = db.session.scalar(select(Partner).where(Partner.name == "Priya"))
    for couple in (alex.couple, priya.couple):
        for partner in couple.partners:
            sent = db.session.scalars(select(CheckIn).where(CheckIn.partner_id == partner.id)).all()
            assert len({c.period_start for c in sent}) >= 8 and all(c.is_submitted for c in sent)

    now = current_period(alex.couple, practice_today())
    assert checkins_open(alex.couple)
    this_period = select(CheckIn).where(CheckIn.couple_id == alex.couple_id, CheckIn.period_start == now)
    assert db.session.scalar(this_period) is None
    assert db.session.scalar(select(SafetyFlag)) is None
    assert db.session.scalar(select(func.count(SafetyAnswer.id))) == total

    progress = couple_progress(alex.couple, practice_today())
    for position in (1, 2):
        appreciated = [v for v in progress.ratings[CheckInItem.APPRECIATED][position] if v is not None]
        assert appreciated[-1] - appreciated[0] >= 3  # feeling appreciated grows as they practise gratitude
    assert None in progress.ratings[CheckInItem.OVERALL][1][:-1]  # Alex missed a week: the chart shows a gap

    for email in ("demo.alex@example.com", "demo.sam@example.com"):
        browser = app.test_client()
        browser.post_form("/portal/login", {"email": email, "password": "demo-password-123"})
        assert b"How are things between you?" in browser.get("/portal/").data
