"""Homework end to end: assign, draft, autosave, submit, share, review."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from practice.extensions import db
from practice.homework.services import side_by_side
from practice.models import Assignment, Response
from tests.homework_helpers import FULL_ANSWERS, clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.reading import visible


def version_on(page: bytes) -> str:
    return re.search(rb'name="version" value="(\d+)"', page).group(1).decode()


def answer(browser, assignment_id: int, action: str, answers: dict, version: str | None = None):
    page = browser.get(f"/portal/homework/{assignment_id}").data
    data = answers | {"action": action, "version": version or version_on(page)}
    return browser.post_form(f"/portal/homework/{assignment_id}", data)


def test_choosing_an_exercise_preselects_nothing_and_shows_what_each_is_for(app, world, builtins):
    therapist = clinician_login(app, world.clinician)
    chooser = therapist.get(f"/couples/{world.couple.id}/homework/new").data.decode()
    assert "<select" not in chooser and "selected" not in chooser  # no menu one hasty click could send
    seen = visible(chooser)
    assert "Daily gratitude log" in seen and "about 5 min" in seen and "Preview" in seen
    searched = visible(therapist.get(f"/couples/{world.couple.id}/homework/new?q=gratitude").data.decode())
    assert "Daily gratitude log" in searched and "Every kind of question" not in searched.split("Or choose any")[1]
    assert "matching “gratitude”" in searched


@pytest.mark.parametrize("q", ["\x00", "q" * 101, "%_\\", "<script>alert(1)</script>"])
def test_a_hostile_search_for_an_exercise_is_a_calm_page(app, world, q):
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/couples/{world.couple.id}/homework/new", query_string={"q": q})
    assert page.status_code == 200 and b"<script>alert" not in page.data


def test_therapist_assigns_through_the_form(app, world):
    therapist = clinician_login(app, world.clinician)
    chooser = therapist.get(f"/couples/{world.couple.id}/homework/new").data
    assert b"Every kind of question" in chooser
    form_page = therapist.get(f"/couples/{world.couple.id}/homework/new?exercise={world.exercise.id}")
    assert b"Alex only" in visible(form_page.data)
    response = therapist.post_form(
        f"/couples/{world.couple.id}/homework/new?exercise={world.exercise.id}",
        {"who": "both", "due_date": "2099-01-31", "note": "Gently, please: no rush <3",
         "sharing": "shared_after_both"},
    )
    assert response.status_code == 302
    assignment = db.session.scalar(select(Assignment))
    assert assignment.is_shared_after_both and [r.partner_position for r in assignment.responses] == [1, 2]
    assert assignment.exercise_version_id == world.exercise.latest.id
    couple_page = therapist.get(f"/couples/{world.couple.id}").data
    assert b"Every kind of question" in couple_page and b"Not started" in couple_page


@pytest.mark.parametrize("data, field, words", [
    ({"who": "1", "sharing": "shared_after_both"}, "sharing", b"needs the exercise to go to both"),
    ({"due_date": "2001-01-01"}, "due_date", b"from today onwards"),
    ({"due_date": "soon"}, "due_date", b"valid date"),
    ({"who": "3"}, "who", b"valid choice"),
    ({"note": "x" * 2001}, "note", b"under 2,000"),
    ({"note": "Gently, please <b>no</b> rush"}, "note", b"without HTML tags"),
])
def test_assign_form_refuses_bad_input_and_keeps_the_rest(app, world, data, field, words):
    therapist = clinician_login(app, world.clinician)
    base = {"who": "both", "due_date": "2099-01-31", "note": "Keep this note", "sharing": "private"}
    response = therapist.post_form(f"/couples/{world.couple.id}/homework/new?exercise={world.exercise.id}", base | data)
    assert response.status_code == 200
    assert f'id="{field}-error"'.encode() in response.data and words in response.data
    if field != "note":
        assert b"Keep this note" in response.data
    assert db.session.scalar(select(Assignment)) is None


def test_draft_then_submit_and_the_answers_are_kept_as_written(app, world):
    assignment = give_homework(world)
    alex = partner_login(app, world.p1)
    page = alex.get(f"/portal/homework/{assignment.id}").data
    assert b"Every kind of question" in page and b"Take your time with this one." in page

    saved = answer(alex, assignment.id, "save", {"q_story": "Just a start"})
    assert saved.status_code == 302
    assert b"Just a start" in alex.get(f"/portal/homework/{assignment.id}").data

    refused = answer(alex, assignment.id, "submit", {"q_story": "Only the story"})
    assert refused.status_code == 200 and b"Please answer this before you send it." in refused.data
    assert b"Only the story" in refused.data

    sent = answer(alex, assignment.id, "submit", FULL_ANSWERS)
    assert sent.status_code == 302
    response = db.session.scalar(select(Response).where(Response.partner_id == world.p1.id))
    assert response.is_submitted
    assert response.answers["story"] == FULL_ANSWERS["q_story"]
    assert response.answers["close"] == 1 and response.answers["kinds"] == ["hug", "hand"]
    assert [day["moment"] for day in response.answers["log"]] == ["a walk", "", "coffee together"]

    after = alex.get(f"/portal/homework/{assignment.id}").data
    assert b"kept exactly as you wrote it" in after and b"<textarea" not in after
    again = alex.post_form(f"/portal/homework/{assignment.id}", FULL_ANSWERS | {"action": "submit", "version": "99"})
    db.session.refresh(response)
    assert again.status_code == 200 and response.answers["story"] == FULL_ANSWERS["q_story"]


def test_autosave_saves_drafts_and_refuses_a_stale_tab(app, world):
    world.clinician.practice.timezone = "Pacific/Kiritimati"  # UTC+14: unlike the server's clock and the phone's
    db.session.commit()
    assignment = give_homework(world)
    alex = partner_login(app, world.p1)
    first_tab = version_on(alex.get(f"/portal/homework/{assignment.id}").data)
    url = f"/portal/homework/{assignment.id}/autosave"

    ok = alex.post_form(url, {"q_story": "typed in tab one", "version": first_tab})
    assert ok.status_code == 200 and ok.json["ok"] and ok.json["version"] == int(first_tab) + 1
    saved = datetime.fromisoformat(ok.json["saved_at"]).astimezone(ZoneInfo(world.clinician.practice.timezone))
    assert ok.json["saved_label"] == saved.strftime("%H:%M")  # the practice's clock, not the phone's
    stale = alex.post_form(url, {"q_story": "typed in tab two", "version": first_tab})
    assert stale.status_code == 409 and "another window" in stale.json["message"]
    response = db.session.scalar(select(Response).where(Response.partner_id == world.p1.id))
    assert response.answers["story"] == "typed in tab one"

    no_js = answer(alex, assignment.id, "save", {"q_story": "stale form text"}, version=first_tab)
    assert no_js.status_code == 200 and b"another window" in no_js.data and b"stale form text" in no_js.data


def test_oversized_answers_are_refused_not_cut(app, world):
    assignment = give_homework(world)
    alex = partner_login(app, world.p1)
    too_long = "a" * 4001
    response = answer(alex, assignment.id, "save", {"q_story": too_long})
    assert response.status_code == 200 and b"nothing has been cut" in response.data
    assert too_long.encode() in response.data
    auto = alex.post_form(f"/portal/homework/{assignment.id}/autosave", {"q_story": too_long, "version": "1"})
    assert auto.status_code == 400


def test_shared_after_both_reveals_only_once_both_have_submitted(app, world):
    assignment = give_homework(world, sharing="shared_after_both")
    alex, sam = partner_login(app, world.p1), partner_login(app, world.p2)
    answer(alex, assignment.id, "submit", FULL_ANSWERS)
    alex_view = alex.get(f"/portal/homework/{assignment.id}").data
    assert b"once you have both sent yours" in alex_view

    sam_answers = FULL_ANSWERS | {"q_story": "Sam's own story of that evening", "q_close": "5"}
    sam_form = sam.get(f"/portal/homework/{assignment.id}").data
    assert FULL_ANSWERS["q_story"].encode() not in sam_form  # Alex's answer is not on Sam's form
    answer(sam, assignment.id, "submit", sam_answers)

    assert b"Sam&#39;s own story" in alex.get(f"/portal/homework/{assignment.id}").data
    assert b"about feeling alone" in sam.get(f"/portal/homework/{assignment.id}").data
    assert b"Shared between you" in alex.get("/portal/").data


def test_private_homework_is_never_shown_to_the_other_partner(app, world):
    assignment = give_homework(world, sharing="private")
    alex, sam = partner_login(app, world.p1), partner_login(app, world.p2)
    answer(alex, assignment.id, "submit", FULL_ANSWERS)
    answer(sam, assignment.id, "submit", FULL_ANSWERS | {"q_story": "Sam wrote this privately"})
    assert b"Sam wrote this privately" not in alex.get(f"/portal/homework/{assignment.id}").data
    assert b"about feeling alone" not in sam.get(f"/portal/homework/{assignment.id}").data


def test_review_side_by_side_with_conversation_starters(app, world):
    assignment = give_homework(world)
    answer(partner_login(app, world.p1), assignment.id, "submit", FULL_ANSWERS)
    answer(partner_login(app, world.p2), assignment.id, "submit", FULL_ANSWERS | {"q_close": "5"})
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/homework/{assignment.id}").data
    assert b"Conversation starter" in page and b"How close?" in page
    assert page.count(b"about feeling alone") == 2
    assert b"Sent since you last looked" in therapist.get("/dashboard").data
    assert b"Every kind of question" in therapist.get("/dashboard").data

    reviewed = therapist.post_form(f"/homework/{assignment.id}", {"comment": "Talk about closeness gap",
                                                                     "version": str(assignment.version)})
    assert reviewed.status_code == 302
    board = therapist.get("/dashboard").data
    assert b"Nothing new since you last reviewed." in board


def test_drafts_are_not_shown_to_the_therapist(app, world):
    assignment = give_homework(world)
    answer(partner_login(app, world.p1), assignment.id, "save", {"q_story": "not ready to share this"})
    page = clinician_login(app, world.clinician).get(f"/homework/{assignment.id}").data
    assert b"not ready to share this" not in page and b"Draft, not sent yet" in page


def test_overdue_homework_shows_on_the_dashboard_and_the_portal(app, world):
    assignment = give_homework(world, due_in=0)
    assignment.due_date = assignment.due_date.replace(year=assignment.due_date.year - 1)
    db.session.commit()
    assert b"Overdue" in clinician_login(app, world.clinician).get("/dashboard").data
    assert b"still welcome" in partner_login(app, world.p1).get("/portal/").data


def test_one_partner_homework_is_only_for_that_partner(app, world):
    assignment = give_homework(world, positions=(2,))
    assert partner_login(app, world.p1).get(f"/portal/homework/{assignment.id}").status_code == 404
    assert partner_login(app, world.p2).get(f"/portal/homework/{assignment.id}").status_code == 200


def test_whole_flow_from_invitation_to_review(app, world, outbox):
    """Invite -> set password -> draft -> autosave -> submit -> review, as people would do it."""
    world.p1.password_hash = None
    world.p1.email = None
    db.session.commit()
    therapist = clinician_login(app, world.clinician)
    assignment = give_homework(world, positions=(1,))
    therapist.post_form(f"/couples/{world.couple.id}/partners/1/invite")
    link = re.search(rb"http://localhost(/portal/welcome/[^<]+)</p>", therapist.get(f"/couples/{world.couple.id}").data)
    alex = app.test_client()
    alex.post_form(link.group(1).decode(), {"email": "alex.new@example.com", "password": "my own long passphrase",
                                            "confirm": "my own long passphrase"})
    assert b"Every kind of question" in alex.get("/portal/").data

    page = alex.get(f"/portal/homework/{assignment.id}").data
    assert b'data-autosave-url="/portal/homework/' in page and b"/static/js/autosave.js" in page
    autosaved = alex.post_form(f"/portal/homework/{assignment.id}/autosave", {"q_story": "first thoughts", "version": version_on(page)})
    assert autosaved.json["ok"]
    assert answer(alex, assignment.id, "submit", FULL_ANSWERS).status_code == 302

    review = therapist.get(f"/homework/{assignment.id}").data
    assert b"about feeling alone" in review
    assert therapist.post_form(f"/homework/{assignment.id}", {"comment": "Lovely work", "version": str(assignment.version)}).status_code == 302


def test_a_draft_answer_neither_shows_nor_raises_a_conversation_starter(app, world):
    assignment = give_homework(world)
    answer(partner_login(app, world.p1), assignment.id, "submit", FULL_ANSWERS)
    answer(partner_login(app, world.p2), assignment.id, "save", FULL_ANSWERS | {"q_close": "6", "q_story": "unsent"})
    rows = side_by_side(assignment)
    assert all(2 not in row.answers and not row.starter for row in rows)
    assert rows[0].answers[1] == FULL_ANSWERS["q_story"]
    page = clinician_login(app, world.clinician).get(f"/homework/{assignment.id}").data
    assert b"unsent" not in page and b"Conversation starter" not in page


def test_mark_as_reviewed_appears_only_once_something_was_sent(app, world):
    assignment = give_homework(world)
    therapist = clinician_login(app, world.clinician)
    page = visible(therapist.get(f"/homework/{assignment.id}").data.decode())
    assert "Mark as reviewed" not in page and "Nothing has been sent yet" in page
    refused = therapist.post_form(f"/homework/{assignment.id}", {"comment": "", "version": str(assignment.version)})
    assert refused.status_code == 302
    db.session.refresh(assignment)
    assert assignment.reviewed_at is None  # and the server refuses it too, whatever was posted
