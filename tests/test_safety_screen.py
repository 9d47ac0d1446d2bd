"""The six-item safety screen, what follows a worrying answer, and exercise answers that raise the same flag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from practice.domain import SAFETY_ITEMS
from practice.extensions import db
from practice.models import SafetyFlag, SafetyNotice
from practice.web.templating import practice_today
from tests.checkin_helpers import ALL_THREES, fill_in, hidden, plant_flag, screen_answers
from tests.factories import make_exercise
from tests.homework_helpers import clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.reading import visible
from tests.test_homework_flow import answer

WORRYING = [(item.key, "no" if item.key == "safe_at_home" else "yes") for item in SAFETY_ITEMS]


def flags_of(couple) -> list[SafetyFlag]:
    return list(db.session.scalars(select(SafetyFlag).where(SafetyFlag.couple_id == couple.id)))


@pytest.mark.parametrize(("key", "worrying"), WORRYING + [(item.key, "talk") for item in SAFETY_ITEMS])
def test_each_item_raises_one_flag_with_its_worrying_answer_or_rather_talk(app, world, key, worrying):
    response = fill_in(partner_login(app, world.p1), "submit", safety={key: worrying})
    assert b"arrange to speak with you alone" in response.data and b"in a session" not in response.data
    assert b"/portal/safety-plan" in response.data
    (flag,) = flags_of(world.couple)
    assert flag.partner_id == world.p1.id
    assert db.session.scalar(select(SafetyNotice).where(SafetyNotice.flag_id == flag.id)) is not None


def test_safe_at_home_yes_is_the_safe_answer_and_several_worrying_answers_raise_one_flag(app, world):
    calm = fill_in(partner_login(app, world.p2), "submit", safety="no")
    assert calm.status_code == 302 and flags_of(world.couple) == []
    fill_in(partner_login(app, world.p1), "submit", safety={"afraid": "yes", "hurt": "yes", "safe_at_home": "no"})
    assert len(flags_of(world.couple)) == 1


def test_the_flag_page_shows_each_item_and_the_safe_way_to_reach_them_only_to_the_clinician(app, world):
    alex = partner_login(app, world.p1)
    fill_in(alex, "submit", safety={"controlled": "talk", "safe_at_home": "no"}, note="note-7731")
    (flag,) = flags_of(world.couple)
    page = clinician_login(app, world.clinician).get(f"/couples/{world.couple.id}/safety/{flag.id}").data
    for item in SAFETY_ITEMS:
        assert item.short.encode() in page
    assert b"<strong>I&#39;d rather talk about it</strong>" in page and b"<strong>No</strong>" in page
    assert b"note-7731" in page and b"None given" in page


def test_reach_me_goes_only_to_the_clinician(app, world):
    alex, sam = partner_login(app, world.p1), partner_login(app, world.p2)
    page = alex.get("/portal/check-in").data
    data = ALL_THREES | {f"q_safety_{k}": v for k, v in screen_answers("yes").items()}
    data |= {"q_reach_me": "reach-words-4412", "q_note": "", "action": "submit",
             "version": hidden(page, "version"), "period": hidden(page, "period")}
    alex.post_form("/portal/check-in", data)
    (flag,) = flags_of(world.couple)
    therapist_page = clinician_login(app, world.clinician).get(f"/couples/{world.couple.id}/safety/{flag.id}").data
    assert b"reach-words-4412" in therapist_page
    for browser in (alex, sam):
        for url in ("/portal/", "/portal/check-in", "/portal/support", "/portal/safety-plan"):
            assert b"reach-words-4412" not in browser.get(url).data
    raw = db.session.execute(text("SELECT answer FROM safety_answers")).scalars().all()
    assert all("reach-words" not in value for value in raw)


def test_an_old_single_answer_still_shows_on_the_flag_page(app, world):
    flag = plant_flag(world.couple, 2, practice_today() - timedelta(days=7), answer="talk")
    page = clinician_login(app, world.clinician).get(f"/couples/{world.couple.id}/safety/{flag.id}").data
    assert b"have you felt afraid of your partner, or been hurt" in page
    assert b"I&#39;d rather talk about it" in page


def test_the_sent_page_shows_nothing_that_was_written(app, world):
    alex = partner_login(app, world.p1)
    fill_in(alex, "submit", safety="no", note="private-note-9920")
    sent = alex.get("/portal/check-in").data
    assert b"You sent this" in sent and b"private-note-9920" not in sent
    assert b"afraid" not in sent.lower() and b"How close" not in sent


def test_the_honest_wording_and_device_safety_note_are_shown(app, world):
    alex = partner_login(app, world.p1)
    form = alex.get("/portal/check-in").data
    assert b"Your partner can&#39;t see this in the app" in form and b"they may need to act on" in form
    for page in (app.test_client().get("/portal/login").data, alex.get("/portal/support").data):
        assert b"Is this device safe to use?" in page and b"/exit" in page and b"History" in page


def _dump() -> dict[str, list[tuple]]:
    db.session.commit()
    with db.engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table.name}"))]
                for table in db.metadata.sorted_tables}


def test_the_safety_plan_page_stores_nothing_and_posts_nowhere(app, world):
    alex, sam = partner_login(app, world.p1), partner_login(app, world.p2)
    before = _dump()
    mine, theirs = alex.get("/portal/safety-plan"), sam.get("/portal/safety-plan")
    assert mine.status_code == theirs.status_code == 200
    content = main_of(mine.data)
    assert b"<form" not in content and b"<input" not in content and b"<textarea" not in content
    for words in (b"safe for you", b"A bag", b"A safer place", b"A code word"):
        assert words in content
    assert content == main_of(theirs.data)  # the same page for everyone: it tells nobody anything
    assert _dump() == before


def main_of(page: bytes) -> bytes:
    """What the page itself says, without the shared header (which holds the sign-out form)."""
    return page.split(b'<main id="main"')[1].split(b"</main>")[0]


FLAGGING = [
    {"key": "felt", "type": "single_choice", "label": "How did it feel?",
     "options": [{"value": "close", "label": "Close"}, {"value": "pressured", "label": "Pressured"}],
     "raises_safety_flag": ["pressured"]},
    {"key": "days", "type": "daily_log", "label": "Each day", "days": 2, "required": False,
     "fields": [{"key": "mood", "type": "single_choice", "label": "Today", "required": False,
                 "options": [{"value": "ok", "label": "Okay"}, {"value": "unsafe", "label": "Unsafe"}],
                 "raises_safety_flag": ["unsafe"]}]},
]


@pytest.mark.parametrize(("posted", "prompt"), [
    ({"q_felt": "pressured"}, "How did it feel?"),
    ({"q_felt": "close", "q_days-1-q_mood": "unsafe"}, "Each day: Today"),
    ({"q_felt": "close", "q_days-0-q_mood": "ok"}, None),
])
def test_an_exercise_answer_marked_raises_safety_flag_raises_the_same_private_flag(app, world, posted, prompt):
    exercise = make_exercise(world.clinician, title="Closeness reflection", prompts=FLAGGING, never_shared=True)
    assignment = give_homework(world, exercise=exercise)  # answers that raise the flag are never shared
    alex, sam = partner_login(app, world.p1), partner_login(app, world.p2)
    sent = answer(alex, assignment.id, "submit", posted)
    assert sent.status_code == 302 and sent.headers["Location"] == "/portal/"  # the same either way
    flags = flags_of(world.couple)
    assert len(flags) == (0 if prompt is None else 1)
    if prompt is not None:
        (flag,) = flags
        assert flag.partner_id == world.p1.id and flag.exercise["title"] == "Closeness reflection"
        assert db.session.scalar(select(SafetyNotice).where(SafetyNotice.flag_id == flag.id)) is not None
        raw = db.session.execute(text("SELECT details FROM safety_flags")).scalars().all()
        assert all("Closeness" not in value for value in raw)
        page = visible(clinician_login(app, world.clinician).get(
            f"/couples/{world.couple.id}/safety/{flag.id}").data)
        assert b"Closeness reflection" in page and prompt.encode() in page
    for url in ("/portal/", f"/portal/homework/{assignment.id}", "/portal/support"):
        assert b"Safety answers" not in sam.get(url).data and b"flag" not in visible(sam.get(url).data).lower()
