"""Due-date reminders: sent once, only to partners who can sign in, never with answers."""

from __future__ import annotations

from datetime import timedelta

from practice.extensions import db
from tests.homework_helpers import FULL_ANSWERS, give_homework, partner_login, world  # noqa: F401
from tests.test_homework_flow import answer


def test_reminders_for_due_soon_and_overdue_go_out_once(app, runner, world, outbox):
    soon = give_homework(world, due_in=1)
    late = give_homework(world, due_in=0, positions=(1,))
    late.due_date -= timedelta(days=3)
    give_homework(world, due_in=6)  # not yet
    db.session.commit()

    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Sent 3 reminder(s)." in result.output  # soon: both partners; late: partner 1
    subjects = sorted(m.subject for m in outbox)
    assert subjects.count("A gentle reminder: Every kind of question") == 2
    assert subjects.count("Still there for you: Every kind of question") == 1
    assert all("/portal/homework/" in m.body for m in outbox)
    assert {m.to[0] for m in outbox} == {"alex@example.com", "sam@example.com"}
    assert soon.id and late.id

    again = runner.invoke(args=["send-reminders"])
    assert "Sent 0 reminder(s)." in again.output and len(outbox) == 3


def test_no_reminder_for_submitted_work_or_partners_without_access(app, runner, world, outbox):
    assignment = give_homework(world, due_in=1)
    answer(partner_login(app, world.p1), assignment.id, "submit", FULL_ANSWERS | {"q_story": "private words 123"})
    world.p2.access_revoked_at = world.p2.created_at
    db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert "Sent 0 reminder(s)." in result.output and outbox == []


def test_reminder_emails_never_contain_answer_text(app, runner, world, outbox):
    assignment = give_homework(world, due_in=1)
    answer(partner_login(app, world.p1), assignment.id, "save", {"q_story": "draft words 9981"})
    runner.invoke(args=["send-reminders"])
    assert outbox and all("draft words 9981" not in m.body + str(m.alternatives) for m in outbox)
