"""A partner's check-in end to end: due on the home page, draft, conflicts, send, read-only afterwards."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from practice.checkins.schedule import current_period, period_containing
from practice.domain import SAFETY_ITEMS
from practice.extensions import db
from practice.models import CheckIn, SafetyAnswer, SafetyFlag
from practice.web.templating import practice_today
from tests.checkin_helpers import ALL_THREES, URL, fill_in, hidden
from tests.homework_helpers import partner_login, world  # noqa: F401


def own_row(partner) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.partner_id == partner.id))


def test_a_check_in_is_due_on_the_home_page_until_it_is_sent(app, world):
    alex = partner_login(app, world.p1)
    assert b"How are things between you?" in alex.get("/portal/").data
    sent = fill_in(alex, "submit", note="A calm week.")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/portal/")
    home = alex.get("/portal/").data
    assert b"Thank you for checking in" in home
    assert b"How are things between you?" not in home and b"checked in for this period" in home


def test_draft_keeps_partial_answers_and_never_the_safety_answer(app, world):
    alex = partner_login(app, world.p1)
    saved = fill_in(alex, "save", ratings={"q_closeness": "5"}, safety="yes", note="Half done")
    assert saved.status_code == 302
    row = own_row(world.p1)
    assert row.status == "draft" and row.closeness == 5 and row.trust is None
    assert row.note_to_therapist == "Half done"
    assert db.session.scalar(select(SafetyAnswer)) is None and db.session.scalar(select(SafetyFlag)) is None
    page = alex.get(URL).data
    assert b'<input checked id="q_closeness-5"' in page and b"Half done" in page
    assert b'<input checked id="q_safety' not in page


def test_autosave_keeps_a_draft_and_answers_in_json(app, world):
    alex = partner_login(app, world.p1)
    page = alex.get(URL).data
    data = {"q_trust": "4", "q_note": "typing", "version": "0", "period": hidden(page, "period")}
    first = alex.post_form(f"{URL}/autosave", data)
    assert first.status_code == 200 and first.json["ok"] and first.json["version"] == 1
    stale = alex.post_form(f"{URL}/autosave", data | {"q_note": "from an old tab"})
    assert stale.status_code == 409 and "another window" in stale.json["message"]
    bad = alex.post_form(f"{URL}/autosave", data | {"q_trust": "9", "version": "1"})
    assert bad.status_code == 400 and "q_trust" in bad.json["errors"]
    assert own_row(world.p1).note_to_therapist == "typing"


def test_a_stale_window_is_told_and_keeps_what_was_typed(app, world):
    alex = partner_login(app, world.p1)
    old_page = alex.get(URL).data
    fill_in(alex, "save", note="first window")
    response = fill_in(alex, "save", note="second window, older", version=hidden(old_page, "version"))
    assert response.status_code == 200
    assert b"saved from another window" in response.data and b"second window, older" in response.data
    assert own_row(world.p1).note_to_therapist == "first window"
    assert hidden(response.data, "version") == str(own_row(world.p1).version)  # pressing again saves on purpose
    again = alex.post_form(URL, ALL_THREES | {"q_note": "second window, older", "action": "save",
                                              "version": hidden(response.data, "version"),
                                              "period": hidden(response.data, "period")})
    assert again.status_code == 302 and own_row(world.p1).note_to_therapist == "second window, older"


def test_a_form_from_the_previous_period_is_refused_kindly(app, world):
    alex = partner_login(app, world.p1)
    last_week = current_period(world.couple, practice_today()) - timedelta(days=7)
    response = fill_in(alex, "submit", note="written last week", period=last_week.isoformat())
    assert response.status_code == 200 and b"new check-in period began" in response.data
    assert b"written last week" in response.data and own_row(world.p1) is None


def test_sending_needs_every_rating_and_the_safety_question(app, world):
    alex = partner_login(app, world.p1)
    missing = fill_in(alex, "submit", ratings=ALL_THREES | {"q_trust": ""}, safety=None, note="keep me")
    assert missing.status_code == 200
    assert b'id="q_trust-error"' in missing.data and all(f'id="q_safety_{item.key}-error"'.encode() in missing.data for item in SAFETY_ITEMS)
    assert b"keep me" in missing.data and own_row(world.p1) is None


def test_out_of_range_ratings_and_long_notes_are_refused_beside_the_field(app, world):
    alex = partner_login(app, world.p1)
    response = fill_in(alex, "save", ratings=ALL_THREES | {"q_trust": "7"}, note="x" * 2001)
    assert response.status_code == 200
    assert b'id="q_trust-error"' in response.data and b'id="q_note-error"' in response.data
    assert own_row(world.p1) is None


def test_after_sending_the_check_in_is_read_only(app, world):
    alex = partner_login(app, world.p1)
    fill_in(alex, "submit", ratings=ALL_THREES | {"q_appreciated": "6"}, note="As I wrote it")
    page = alex.get(URL).data
    assert b"kept exactly as you wrote it" in page and b"As I wrote it" not in page  # never shown back
    assert b"<form method=\"post\" novalidate class=\"answer-form\"" not in page
    again = alex.post_form(URL, ALL_THREES | {"q_safety": "no", "action": "submit", "version": "1",
                                              "period": current_period(world.couple, practice_today()).isoformat()})
    assert again.status_code == 302
    assert b"already sent this check-in" in alex.get(again.headers["Location"]).data
    row = own_row(world.p1)
    assert row.appreciated == 6 and row.note_to_therapist == "As I wrote it"
    assert db.session.scalar(select(SafetyAnswer).where(SafetyAnswer.checkin_id == row.id)).label == "Nothing worrying"


def test_a_non_no_safety_answer_shows_crisis_resources_at_once_and_raises_a_flag(app, world):
    world.clinician.practice.crisis_resources = "Call the Harbour line: 0800 111 222"
    db.session.commit()
    alex = partner_login(app, world.p1)
    response = fill_in(alex, "submit", safety="talk")
    assert response.status_code == 200  # shown in this response only; nothing in the session remembers it
    assert b"Thank you for telling us" in response.data and b"0800 111 222" in response.data
    flag = db.session.scalar(select(SafetyFlag))
    assert flag.partner_id == world.p1.id and flag.is_open and flag.safety_answer.answer["items"]["afraid"] == "talk"
    with alex.session_transaction() as session:
        assert "_flashes" not in session


def test_no_email_is_sent_about_a_check_in_and_a_safety_answer_sends_only_a_bare_notice(app, world, outbox):
    fill_in(partner_login(app, world.p2), "submit", safety="no", note="all fine")
    assert outbox == []
    fill_in(partner_login(app, world.p1), "submit", safety="yes", note="please call")
    (message,) = outbox  # to the clinician only, and holding nothing of the answer (tests/test_safety_notices.py)
    assert message.to == [world.clinician.email]
    body = message.body + message.alternatives[0][0]
    for private in ("please call", world.p1.name, world.p2.name, "yes", "Yes"):
        assert private not in body


def test_paused_or_inactive_couples_are_not_asked(app, world):
    world.couple.checkins_paused = True
    db.session.commit()
    alex = partner_login(app, world.p1)
    assert b"How are things between you?" not in alex.get("/portal/").data
    assert b"Check-ins are paused" in alex.get(URL).data
    world.couple.checkins_paused, world.couple.status = False, "paused"
    db.session.commit()
    assert b"Check-ins are paused" in alex.get(URL).data
    response = alex.post_form(URL, ALL_THREES | {"q_safety": "no", "action": "submit", "version": "0",
                                                 "period": practice_today().isoformat()})
    assert response.status_code == 200 and own_row(world.p1) is None


def test_each_partner_has_their_own_check_in(app, world):
    fill_in(partner_login(app, world.p1), "submit", note="Alex's words")
    sam = partner_login(app, world.p2)
    page = sam.get(URL).data
    assert b"Alex's words" not in page and b"Alex&#39;s words" not in page and hidden(page, "version") == "0"
    fill_in(sam, "submit", note="Sam's words")
    rows = db.session.scalars(select(CheckIn).order_by(CheckIn.partner_id)).all()
    assert [r.partner_id for r in rows] == [world.p1.id, world.p2.id]


def test_periods_count_from_the_couple_start_date():
    from datetime import date

    start = date(2026, 1, 5)
    assert period_containing(start, 7, date(2026, 1, 11)) == start
    assert period_containing(start, 7, date(2026, 1, 12)) == date(2026, 1, 12)
    assert period_containing(start, 14, date(2026, 1, 25)) == date(2026, 1, 19)
    assert period_containing(start, 7, date(2026, 1, 4)) == date(2025, 12, 29)
