"""The seed-demo command: the demo practice, idempotently."""

from sqlalchemy import func, select

from practice.extensions import db
from practice.models import Clinician, Couple, Partner, Practice
from practice.platform.passwords import verify_password


def counts():
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Practice, Clinician, Couple, Partner))


def test_seed_demo_builds_the_demo_practice_once(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo.therapist@example.com" in result.output and "demo-password-123" in result.output
    assert "never for real records" in result.output
    first = counts()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts() == first

    practice = db.session.scalar(select(Practice))
    assert practice.name == "Riverbend Couples Therapy"
    therapist = db.session.scalar(select(Clinician).where(Clinician.email == "demo.therapist@example.com"))
    colleague = db.session.scalar(select(Clinician).where(Clinician.email == "demo.colleague@example.com"))
    assert therapist.is_owner and verify_password(therapist.password_hash, "demo-password-123")
    assert len(colleague.couples) >= 1
    assert len(therapist.couples) >= 3
    assert len({c.stage for c in therapist.couples}) == 3
    alex_sam = next(c for c in therapist.couples if c.name == "Alex & Sam")
    assert [p.email for p in alex_sam.partners] == ["demo.alex@example.com", "demo.sam@example.com"]


def test_seed_demo_gives_alex_and_sam_portal_logins(app, runner):
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["seed-demo"])
    assert "demo.alex@example.com" in result.output and "demo.sam@example.com" in result.output
    for email in ("demo.alex@example.com", "demo.sam@example.com"):
        browser = app.test_client()
        response = browser.post_form("/portal/login", {"email": email, "password": "demo-password-123"})
        assert response.status_code == 302, email
        assert browser.get("/portal/").status_code == 200


def test_seed_demo_gives_alex_and_sam_homework_in_every_state(app, runner):
    from datetime import date

    from practice.models import Assignment

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assignments = db.session.scalars(select(Assignment)).all()
    statuses = {tuple(r.status for r in a.responses) for a in assignments}
    assert ("not_started", "not_started") in statuses
    assert ("draft", "not_started") in statuses
    assert ("submitted", "draft") in statuses  # submitted by one partner only
    shared = [a for a in assignments if a.is_shared_after_both]
    assert shared and all(r.is_submitted for r in shared[0].responses)
    assert any(a.due_date < date.today() and not all(r.is_submitted for r in a.responses) for a in assignments)
    logs = [a for a in assignments if a.days]
    assert logs and any(any(day for day in r.answers.get("gratitude", [])) for r in logs[0].responses)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert len(db.session.scalars(select(Assignment)).all()) == len(assignments)
