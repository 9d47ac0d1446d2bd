"""Homework given to one partner reaches nothing couple-facing, and the private safety plan reaches nothing of the other's.

The couple handout lists only homework set for both partners (the other
partner's portal never showed one-partner homework, and the one document
both read must not either); one-partner-only work is never emailed about.
The canary plants words in a safety plan given to Sam and walks everything
Alex can reach with the walker of tests/test_sharing_canaries.py.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from practice.documents.session_pdfs import render_copy
from practice.extensions import db
from practice.homework.reminders import reminders_due
from practice.library.services import sync_builtins
from practice.models import Exercise, utcnow
from practice.portal.homework import submit
from tests.factories import make_exercise
from tests.homework_helpers import give_homework, make_world, partner_login
from tests.reading import pdf_pages
from tests.session_helpers import signed_session
from tests.test_sharing_canaries import build, emails_to_alex, everything_alex_reaches, handout_texts

PLAN_NOTE = "Zqsamplannote"
PLAN_ANSWER = "Zqsamplananswer"
PLAN_TITLE = "Looking after myself: a private plan"


def builtin(builtin_files, slug: str) -> Exercise:
    sync_builtins(builtin_files)
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug))


def text_of(session, copy: str) -> str:
    return "\n".join(pdf_pages(render_copy(session, copy, bounded=False)))


def test_the_handout_lists_homework_for_both_and_leaves_out_what_one_partner_was_given(app):
    world = make_world()
    solo = make_exercise(world.clinician, title="Zqsamsolotitle")
    for_sam = give_homework(world, positions=(2,), exercise=solo, note="Zqsamsolonote")
    for_both = give_homework(world)
    session = signed_session(world, assigned=[for_sam.id, for_both.id])

    handout = text_of(session, "couple")
    assert "Every kind of question" in handout and "For both of you" in handout
    assert "Zqsamsolo" not in handout and "Sam" not in handout.split("Your homework")[1]
    assert "in that person's own list" in handout
    clinician = text_of(session, "clinician")
    assert "Zqsamsolotitle: for Sam" in clinician and "Every kind of question" in clinician


def test_the_handout_says_the_same_whether_or_not_anyone_had_homework_of_their_own(app):
    world = make_world()
    alone = signed_session(world, assigned=[give_homework(world, positions=(1,)).id])
    nothing = signed_session(world)
    assert text_of(alone, "couple").split("Your homework")[1] == text_of(nothing, "couple").split("Your homework")[1]


def test_one_partner_only_homework_is_never_emailed_about(app, runner, outbox, builtin_files):
    world = make_world()
    plan = give_homework(world, positions=(2,), due_in=0, exercise=builtin(builtin_files, "private-safety-plan"))
    ordinary = give_homework(world, positions=(2,), due_in=0)
    due = {item.response_id for item in reminders_due(utcnow())}
    assert ordinary.responses[0].id in due and plan.responses[0].id not in due
    plan.due_date -= timedelta(days=3)  # overdue as well: still nothing
    db.session.commit()
    assert runner.invoke(args=["send-reminders"]).exit_code == 0
    assert [m.subject for m in outbox] == ["A gentle reminder: Every kind of question"]
    assert all("Looking after myself" not in m.body for m in outbox)


def test_a_private_safety_plan_for_sam_reaches_nothing_alex_can_read_but_the_clinician_copy_has_it(
        app, runner, outbox, builtin_files):
    world = build()
    plan = give_homework(world, positions=(2,), due_in=1, note=PLAN_NOTE,
                         exercise=builtin(builtin_files, "private-safety-plan"))
    set_in = signed_session(world, release=True, assigned=[plan.id], couple_summary="For you both, Zqopen")
    response = plan.responses[0]
    submit(response, response.version, {"warning_signs": PLAN_ANSWER, "safe_people": "J", "code_word": "will_ask",
                                        "safer_place": "the neighbour's", "to_take": ["keys"], "feel_now": "unsure"})
    reviewed_in = signed_session(world, release=True, reviewed=[plan.id], couple_summary="For you both again")

    alex = partner_login(app, world.p1)
    seen = everything_alex_reaches(app, alex, world)
    mails = emails_to_alex(app, runner, world, outbox)
    handouts = handout_texts(seen)
    assert any("Zqopen" in text for text in handouts)  # the session that set it reached Alex, without it
    everything = "\n".join([*seen.values(), *mails])
    for planted in (PLAN_TITLE, "Looking after myself", PLAN_NOTE, PLAN_ANSWER):
        assert planted not in everything, planted
    assert not any("Looking after myself" in m.subject for m in outbox)

    sam = partner_login(app, world.p2)
    assert "Looking after myself" in sam.get("/portal/").get_data(as_text=True)  # Sam's own list has it
    sams_handout = "".join(pdf_pages(sam.get(f"/portal/handouts/{set_in.id}.pdf").data))
    assert "Zqopen" in sams_handout and "Looking after myself" not in sams_handout  # couple-facing, for Sam too

    assert f"{PLAN_TITLE}: for Sam" in text_of(set_in, "clinician")
    assert PLAN_ANSWER in text_of(reviewed_in, "clinician")
