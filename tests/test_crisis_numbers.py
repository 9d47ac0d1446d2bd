"""The practice's three crisis numbers: edited and checked on the settings page, required before any partner
is invited, and shown to partners as tap-to-call and tap-to-text links (and in the handout as plain numbers)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from practice.documents.session_pdfs import copy_html
from practice.domain import DomainError
from practice.extensions import db
from practice.models import PartnerInvitation
from practice.portal import access
from tests.factories import make_clinician, make_couple, make_exercise
from tests.homework_helpers import give_homework, partner_login, world  # noqa: F401
from tests.logins import login
from tests.session_helpers import signed_session

NUMBERS = {
    "emergency_label": "Emergency services", "emergency_number": "112",
    "crisis_line_label": "Listening line", "crisis_line_number": "+44 (0)20 7946 0000",
    "dv_line_label": "Safe at home helpline", "dv_line_number": "0808-200-0247",
}
PROFILE = {
    "name": "Riverbend", "address": "", "phone": "", "timezone": "UTC", "page_size": "a4",
    "idle_timeout_minutes": "15", "crisis_resources": "Out of hours, the walk-in centre on Mill Lane is open.",
} | NUMBERS
BLANK = dict.fromkeys(NUMBERS, "")


def profile_post(client, practice, **changes):
    return client.post_form("/practice/", PROFILE | {"version": practice.version} | changes)


def blank_numbers(practice) -> None:
    for name, value in BLANK.items():
        setattr(practice, name, value)
    db.session.commit()


def test_owner_saves_the_three_numbers(logged_in, clinician):
    assert profile_post(logged_in, clinician.practice).status_code == 302
    practice = clinician.practice
    db.session.refresh(practice)
    assert {name: getattr(practice, name) for name in NUMBERS} == NUMBERS
    page = logged_in.get("/practice/").data
    assert b'value="+44 (0)20 7946 0000"' in page and b'value="Safe at home helpline"' in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"emergency_number": "9"}, "emergency_number", b"Please give a number of 2 to 30 characters."),
    ({"emergency_number": "1" * 31}, "emergency_number", b"Please give a number of 2 to 30 characters."),
    ({"crisis_line_number": "call 116 123"}, "crisis_line_number", b"Please use digits, spaces and + ( ) - only."),
    ({"crisis_line_number": "116.123"}, "crisis_line_number", b"Please use digits, spaces and + ( ) - only."),
    ({"dv_line_number": "+() -"}, "dv_line_number", b"Please include the digits to dial."),
    ({"dv_line_label": "Help\x07line"}, "dv_line_label", b"invisible characters we can&#39;t store"),
    ({"dv_line_label": "<b>Help</b>"}, "dv_line_label", b"without &lt; or &gt;"),
    ({"emergency_label": "x" * 81}, "emergency_label", b"Please keep the name under 80 characters."),
    ({"emergency_label": ""}, "emergency_label", b"Please name this line, as partners will read it."),
    ({"crisis_line_number": ""}, "crisis_line_number", b"Please add the number for this line."),
])
def test_bad_numbers_and_names_are_refused_next_to_the_field_with_the_input_kept(logged_in, clinician, changes, field,
                                                                                 message):
    before = clinician.practice.version
    response = profile_post(logged_in, clinician.practice, **changes)
    assert response.status_code == 200
    page = response.data.decode()
    assert message.decode() in re.search(rf'id="{field}-error"[^>]*>(.*?)</', page, re.DOTALL).group(1)
    assert 'value="Listening line"' in page  # what was typed elsewhere stays
    db.session.refresh(clinician.practice)
    assert clinician.practice.version == before


def test_the_numbers_can_be_left_empty_together(logged_in, clinician):
    assert profile_post(logged_in, clinician.practice, **BLANK).status_code == 302
    db.session.refresh(clinician.practice)
    assert clinician.practice.emergency_number == ""


def test_a_stale_form_keeps_the_typed_numbers(logged_in, clinician):
    version = clinician.practice.version
    profile_post(logged_in, clinician.practice)
    response = logged_in.post_form("/practice/", PROFILE | {"version": version, "dv_line_number": "0800 123 456"})
    assert response.status_code == 200 and b"Someone else saved this page" in response.data
    assert b'value="0800 123 456"' in response.data
    db.session.refresh(clinician.practice)
    assert clinician.practice.dv_line_number == "0808-200-0247"


def invitations() -> int:
    return db.session.scalar(select(func.count(PartnerInvitation.id)))


@pytest.mark.parametrize("missing", ["emergency_number", "crisis_line_label", "dv_line_number"])
def test_the_owner_cannot_invite_a_partner_until_every_number_is_set(logged_in, clinician, outbox, missing):
    setattr(clinician.practice, missing, "")
    db.session.commit()
    couple = make_couple(clinician)
    couple.partner(1).email = "alex@example.com"
    db.session.commit()
    page = logged_in.get(f"/couples/{couple.id}").data.decode()
    assert 'id="crisis-numbers-missing"' in page and 'href="/practice/#crisis-numbers"' in page
    assert f"/couples/{couple.id}/partners/1/invite" not in page  # the form is not offered
    response = logged_in.post_form(f"/couples/{couple.id}/partners/1/invite")  # and a forged POST is refused
    assert response.status_code == 302
    assert "Before a partner can be invited" in logged_in.get(response.headers["Location"]).data.decode()
    assert invitations() == 0 and outbox == []
    with pytest.raises(DomainError):
        access.issue_invitation(couple.partner(2), clinician)
    assert invitations() == 0


def test_a_colleague_who_is_not_the_owner_is_told_to_ask_the_owner(client, clinician, outbox):
    colleague = make_clinician(clinician.practice)
    blank_numbers(clinician.practice)
    couple = make_couple(colleague)
    login(client, colleague)
    page = client.get(f"/couples/{couple.id}").data.decode()
    assert "ask the owner of your practice" in page and 'href="/practice/#crisis-numbers"' not in page
    assert client.post_form(f"/couples/{couple.id}/partners/2/invite").status_code == 302
    assert invitations() == 0 and outbox == []


def test_a_new_link_cannot_be_reissued_once_the_numbers_are_removed(logged_in, clinician):
    couple = make_couple(clinician)
    assert logged_in.post_form(f"/couples/{couple.id}/partners/1/invite").status_code == 302
    assert invitations() == 1
    blank_numbers(clinician.practice)
    logged_in.post_form(f"/couples/{couple.id}/partners/1/invite")
    assert invitations() == 1
    assert db.session.scalar(select(PartnerInvitation)).revoked_at is None  # the earlier link still works


def tap_links(number: str, dial: str) -> str:
    return (f'<a href="tel:{dial}" class="tel-link">{number}</a> '
            f'<a href="sms:{dial}" class="sms-link" aria-label="Send a text to {number}">(text)</a>')


def set_numbers(practice) -> None:
    for name, value in NUMBERS.items():
        setattr(practice, name, value)
    db.session.commit()


@pytest.mark.parametrize("path", ["/portal/support", "/portal/safety-plan"])
def test_partner_pages_show_the_numbers_as_tap_to_call_and_text_links(app, world, path):
    set_numbers(world.clinician.practice)
    page = partner_login(app, world.p1).get(path).data.decode()
    assert "<bdi>Emergency services</bdi></strong>: " + tap_links("112", "112") in page
    assert tap_links("+44 (0)20 7946 0000", "+442079460000") in page
    assert tap_links("0808-200-0247", "08082000247") in page
    assert page.index("Emergency services") < page.index("Safe at home helpline")


def test_an_exercise_that_shows_crisis_resources_shows_the_numbers(app, world):
    set_numbers(world.clinician.practice)
    exercise = make_exercise(world.clinician, title="Coping with a hard memory", show_crisis_resources=True)
    assignment = give_homework(world, exercise=exercise)
    page = partner_login(app, world.p1).get(f"/portal/homework/{assignment.id}").data.decode()
    assert tap_links("0808-200-0247", "08082000247") in page


def test_the_couple_handout_prints_the_numbers_as_plain_text(app, world):
    set_numbers(world.clinician.practice)
    html = copy_html(signed_session(world), "couple")
    assert "<bdi>Listening line</bdi>: +44 (0)20 7946 0000" in html
    assert "<bdi>Safe at home helpline</bdi>: 0808-200-0247" in html
    assert "tel:" not in html
