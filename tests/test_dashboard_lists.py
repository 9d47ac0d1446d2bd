"""The dashboard's three lists, from the one statement that finds them (practice.homework.services.dashboard).

Each case sets response states directly, so every rule of the lists is
checked on its own: what counts as new, overdue and due soon, and that only
the signed-in clinician's couples ever appear.
"""

from __future__ import annotations

from datetime import date, timedelta

from practice.domain import CoupleStatus, ResponseStatus
from practice.extensions import db
from practice.homework.services import dashboard
from practice.models import utcnow
from tests.factories import make_couple
from tests.homework_helpers import give_homework, world  # noqa: F401

TODAY = date.today()


def board(clinician) -> dict[str, set[tuple[int, str]]]:
    """Each list as (assignment id, partner name) pairs."""
    lists = dashboard(clinician, TODAY)
    return {name: {(item.assignment_id, item.partner_name) for item in getattr(lists, name)}
            for name in ("new", "overdue", "due_soon")}


def late_homework(world, days: int = 3, **options):
    """Homework that fell due `days` ago (the assign form refuses past dates, so it is moved back)."""
    assignment = give_homework(world, due_in=0, **options)
    assignment.due_date = TODAY - timedelta(days=days)
    db.session.commit()
    return assignment


def set_state(assignment, position: int, status: ResponseStatus, *, hours_ago: int = 1) -> None:
    response = next(r for r in assignment.responses if r.partner_position == position)
    response.status = status.value
    response.submitted_at = utcnow() - timedelta(hours=hours_ago) if status is ResponseStatus.SUBMITTED else None
    db.session.commit()


def test_sent_answers_are_new_until_reviewed_and_new_again_when_sent_after_the_review(world):
    assignment = give_homework(world)
    set_state(assignment, 1, ResponseStatus.SUBMITTED, hours_ago=3)
    assert board(world.clinician)["new"] == {(assignment.id, "Alex")}

    assignment.reviewed_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert board(world.clinician)["new"] == set()

    set_state(assignment, 2, ResponseStatus.SUBMITTED, hours_ago=1)
    assert board(world.clinician)["new"] == {(assignment.id, "Sam")}


def test_unsent_homework_past_its_due_date_is_overdue_whether_begun_or_not(world):
    late = late_homework(world)
    set_state(late, 1, ResponseStatus.DRAFT)
    assert board(world.clinician)["overdue"] == {(late.id, "Alex"), (late.id, "Sam")}

    set_state(late, 2, ResponseStatus.SUBMITTED)
    assert board(world.clinician)["overdue"] == {(late.id, "Alex")}


def test_homework_due_within_two_days_is_due_soon_and_later_homework_is_not(world):
    soon = [give_homework(world, due_in=days, positions=(1,)) for days in (0, 1, 2)]
    later = give_homework(world, due_in=3, positions=(1,))
    lists = board(world.clinician)
    assert lists["due_soon"] == {(a.id, "Alex") for a in soon} and later.id not in {a for a, _ in lists["due_soon"]}
    assert lists["overdue"] == set()

    set_state(soon[0], 1, ResponseStatus.SUBMITTED)
    assert (soon[0].id, "Alex") not in board(world.clinician)["due_soon"]


def test_paused_and_closed_couples_are_not_chased(world):
    late = late_homework(world)
    for status in (CoupleStatus.PAUSED, CoupleStatus.CLOSED):
        world.couple.status = status.value
        db.session.commit()
        assert board(world.clinician)["overdue"] == set(), status
    world.couple.status = CoupleStatus.ACTIVE.value
    db.session.commit()
    assert {a for a, _ in board(world.clinician)["overdue"]} == {late.id}


def test_only_the_clinicians_own_couples_appear_on_their_board(world):
    theirs = make_couple(world.colleague, ("Robin", "Lee"))
    db.session.commit()
    mine_late, theirs_late = late_homework(world, 1), late_homework(world, 1, couple=theirs)
    theirs_soon = give_homework(world, due_in=1, couple=theirs)
    set_state(theirs_soon, 1, ResponseStatus.SUBMITTED)
    mine = board(world.clinician)
    assert {a for a, _ in mine["overdue"]} == {mine_late.id}
    assert all(a not in {theirs_late.id, theirs_soon.id} for rows in mine.values() for a, _ in rows)
    colleague = board(world.colleague)
    assert {a for a, _ in colleague["overdue"]} == {theirs_late.id}
    assert colleague["new"] == {(theirs_soon.id, "Robin")}
