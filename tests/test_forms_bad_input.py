"""Every form refuses bad input with a message beside the field and keeps what was typed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from practice.extensions import db
from practice.models import ClinicianInvitation, Couple
from practice.rules.tokens import new_token
from tests.factories import PASSWORD, make_couple, utcnow_plus_days

LONG = "x" * 5000
HTML = '<script>alert("hi")</script>'


def error_for(html: bytes, field_id: str) -> str:
    """The message rendered next to a field, tied to it with aria-describedby."""
    match = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">([^<]*)</small>'.encode(), html)
    assert match, f"no error shown for {field_id}"
    assert f'aria-describedby="{field_id}-error'.encode() in html
    return match.group(1).decode()


COUPLE = {
    "partner1-name": "Alex", "partner2-name": "Sam", "stage": "deescalation",
    "start_date": "2026-01-05", "status": "active",
}

# (form url, valid data, field to break, bad value, expected words in the message, a typed value that must be kept)
CASES = [
    ("/signup", {"name": "Dana", "practice_name": "Harbor", "email": "d@example.com", "password": PASSWORD, "confirm": PASSWORD},
     "name", "", "enter your name", "Harbor"),
    ("/signup", {"name": "Dana", "practice_name": "Harbor", "email": "d@example.com", "password": PASSWORD, "confirm": PASSWORD},
     "practice_name", LONG, "120", "Dana"),
    ("/signup", {"name": "Dana", "practice_name": "Harbor", "email": "d@example.com", "password": PASSWORD, "confirm": PASSWORD},
     "name", HTML, "plain text", "Harbor"),
    ("/signup", {"name": "Dana", "practice_name": "Harbor", "email": "d@example.com", "password": PASSWORD, "confirm": PASSWORD},
     "email", "not-an-email", "name@example.com", "Dana"),
    ("/signup", {"name": "Dana", "practice_name": "Harbor", "email": "d@example.com", "password": PASSWORD, "confirm": PASSWORD},
     "confirm", "something else entirely", "don't match", "Harbor"),
    ("/login", {"email": "d@example.com", "password": PASSWORD}, "email", "", "enter an email", None),
    ("/login", {"email": "d@example.com", "password": PASSWORD}, "password", LONG, "128", "d@example.com"),
    ("/password/reset", {"email": "d@example.com"}, "email", HTML, "name@example.com", None),
]

CLINICIAN_CASES = [
    ("/couples/new", COUPLE, "partner1-name", "", "enter a name", "Sam"),
    ("/couples/new", COUPLE, "partner1-name", "y" * 81, "under 80", "Sam"),
    ("/couples/new", COUPLE, "partner2-name", HTML, "plain text", "Alex"),
    ("/couples/new", COUPLE, "partner1-email", "alex-at-example", "name@example.com", "Sam"),
    ("/couples/new", COUPLE, "start_date", "next tuesday", "valid date", "Alex"),
    ("/couples/new", COUPLE, "stage", "bogus", "valid choice", "Alex"),
    ("/couples/new", COUPLE, "concerns", "not_an_area", "valid choice", "Alex"),
    ("/couples/new", COUPLE, "status", "deleted", "valid choice", "Alex"),
    ("/couples/new", COUPLE, "partner1-pronouns", "they\x00them", "invisible characters", "Sam"),
    ("/account/", {"name": "Dr. Who", "credentials": "PhD", "submit": "Save"}, "credentials", "z" * 61, "60", "Dr. Who"),
    ("/account/password", {"pw-current_password": PASSWORD, "pw-password": "a long new password", "pw-confirm": "a long new password"},
     "pw-password", "short", "12 characters", None),
    ("/practice/team/invitations", {"email": "c@example.com"}, "email", "", "enter an email", None),
]


@pytest.mark.parametrize("url, data, field, bad, words, kept", CASES)
def test_public_forms(client, url, data, field, bad, words, kept):
    response = client.post_form(url, data | {field: bad})
    assert response.status_code == 200
    assert words in error_for(response.data, field).replace("&#39;", "'")
    if kept:
        assert f'value="{kept}"'.encode() in response.data
    assert b"<script>alert" not in response.data


@pytest.mark.parametrize("url, data, field, bad, words, kept", CLINICIAN_CASES)
def test_clinician_forms(logged_in, url, data, field, bad, words, kept):
    response = logged_in.post_form(url, data | {field: bad})
    assert response.status_code == 200
    assert words in error_for(response.data, field)
    if kept:
        assert f'value="{kept}"'.encode() in response.data
    assert b"<script>alert" not in response.data
    assert db.session.scalar(select(func.count(Couple.id))) == 0


def test_practice_profile_bad_input(logged_in, clinician):
    data = {"name": "", "address": "Line 1\nLine 2", "phone": "call me maybe", "timezone": "UTC",
            "crisis_resources": "Dial 988", "version": clinician.practice.version}
    response = logged_in.post_form("/practice/", data)
    assert "Please name the practice." in error_for(response.data, "name")
    assert "digits" in error_for(response.data, "phone")
    assert b"Line 1\nLine 2</textarea>" in response.data and b"Dial 988" in response.data


def test_edit_couple_with_a_wrong_type_for_version(logged_in, clinician):
    couple = make_couple(clinician)
    response = logged_in.post_form(f"/couples/{couple.id}/edit", COUPLE | {"version": "abc"})
    assert response.status_code == 200
    assert b"Someone else saved" not in response.data
    db.session.refresh(couple)
    assert couple.version == 1


def test_invitation_form_bad_input(client, clinician):
    token, token_hash = new_token()
    db.session.add(ClinicianInvitation(practice_id=clinician.practice_id, invited_by_id=clinician.id,
                                       email="new@example.com", token_hash=token_hash, expires_at=utcnow_plus_days(7)))
    db.session.commit()
    response = client.post_form(f"/join/{token}", {"name": HTML, "credentials": "LPC", "password": "short", "confirm": "short"})
    assert "plain text" in error_for(response.data, "name")
    assert "12 characters" in error_for(response.data, "password")
    assert b'value="LPC"' in response.data


def test_reset_password_form_bad_input(client, clinician, outbox):
    client.post_form("/password/reset", {"email": clinician.email})
    link = re.search(r"http://localhost(/password/reset/\S+)", outbox[0].body).group(1)
    response = client.post_form(link, {"password": "a long new password", "confirm": "different"})
    assert "don't match" in error_for(response.data, "confirm").replace("&#39;", "'")


def test_a_form_without_its_csrf_token_is_refused_kindly(client, clinician):
    response = client.post("/login", data={"email": clinician.email, "password": PASSWORD})
    assert response.status_code == 400
    assert b"This form had expired" in response.data
