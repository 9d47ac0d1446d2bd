"""Issue 13 §5: one rule for control characters in every form, and no hidden direction characters in names."""

from __future__ import annotations

import ast
import pathlib

import pytest
from sqlalchemy import select

from practice.extensions import db
from practice.models import Couple, Partner, Response
from practice.web.formtools import BIDI_CONTROLS, CONTROL_MESSAGE, NAME_MESSAGE, hidden_name_character
from tests.factories import PASSWORD
from tests.homework_helpers import give_homework, partner_login, world  # noqa: F401
from tests.test_inputs_versions_roles import error_for

PRACTICE = pathlib.Path(__file__).resolve().parents[1] / "practice"
CONTROLS = ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x85", "\x9f"]
COUPLE = {"partner1-name": "Alex", "partner2-name": "Sam", "stage": "deescalation",
          "start_date": "2026-01-05", "status": "active"}


def test_no_form_can_skip_the_control_character_rule():
    """Every form module takes FlaskForm from practice.web.formtools, which applies the rule centrally."""
    offenders = []
    for path in PRACTICE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_wtf" and any(
                    alias.name in ("FlaskForm", "Form") for alias in node.names):
                offenders.append(str(path.relative_to(PRACTICE)))
    assert offenders == [], "import FlaskForm from practice.web.formtools, not flask_wtf"


def test_every_form_class_is_one_of_ours():
    import flask_wtf

    from practice.web import formtools
    from tests.test_inputs_forms import all_form_classes

    classes, _ = all_form_classes()
    assert len(classes) > 20
    for form_class in classes:
        if issubclass(form_class, flask_wtf.FlaskForm):
            assert issubclass(form_class, formtools.FlaskForm), form_class


@pytest.mark.parametrize("control", CONTROLS)
def test_partner_answers_refuse_control_characters_like_clinician_forms(app, world, control):
    assignment = give_homework(world)
    alex = partner_login(app, world.p1)
    page = alex.post_form(f"/portal/homework/{assignment.id}",
                          {"q_story": f"We talked{control} a lot", "version": "1", "action": "save"})
    assert page.status_code == 200 and CONTROL_MESSAGE.replace("'", "&#39;").encode() in page.data
    auto = alex.post_form(f"/portal/homework/{assignment.id}/autosave",
                          {"q_story": "fine", "q_log-1-q_moment": f"a{control}b", "version": "1"})
    assert auto.status_code == 400 and auto.json["ok"] is False
    assert CONTROL_MESSAGE in str(auto.json["errors"])
    response = db.session.scalar(select(Response).where(Response.partner_id == world.p1.id))
    assert all(control not in str(value) for value in response.answers.values())


def test_the_check_in_autosave_refuses_nul(app, world):
    alex = partner_login(app, world.p1)
    page = alex.get("/portal/check-in").data.decode()
    import re
    fields = dict(re.findall(r'name="(q_[a-z_]+|period|version)"[^>]*value="([^"]*)"', page))
    note = next(name for name in re.findall(r'<textarea[^>]*name="(q_[a-z_]+)"', page))
    auto = alex.post_form("/portal/check-in/autosave", fields | {note: "all good\x00"})
    assert auto.status_code == 400 and CONTROL_MESSAGE in str(auto.json["errors"])


def test_multi_line_text_keeps_newlines_and_tabs_single_lines_do_not(logged_in):
    ok = logged_in.post_form("/couples/new", COUPLE)
    assert ok.status_code == 302
    refused = logged_in.post_form("/couples/new", COUPLE | {"partner1-name": "Alex\tJones"})
    assert refused.status_code == 200 and "invisible characters" in error_for(refused.data, "partner1-name")
    couple = db.session.scalars(select(Couple)).one()
    profile = logged_in.get("/practice/").data.decode()
    import re
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', profile)
    data = {"name": "Harbour", "address": "12 Quay St\r\n\tBristol", "timezone": "UTC", "page_size": "a4",
            "idle_timeout_minutes": "15", "version": next(g for g in version.groups() if g)}
    assert logged_in.post_form("/practice/", data).status_code == 302
    assert couple.id


@pytest.mark.parametrize("char", sorted(BIDI_CONTROLS) + ["\u200b", "\ufeff", "\u00ad", "\u2060", "\U000e0041", "\u2028"])
@pytest.mark.parametrize("field", ["partner1-name", "partner2-pronouns"])
def test_names_refuse_hidden_direction_and_invisible_characters(logged_in, char, field):
    response = logged_in.post_form("/couples/new", COUPLE | {field: f"Ale{char}x"})
    assert response.status_code == 200
    assert error_for(response.data, field) == NAME_MESSAGE.replace("'", "&#39;")
    assert db.session.scalars(select(Partner)).all() == []


@pytest.mark.parametrize("name", ["سارة", "נועה", "Zoë", "Ma\u200cryam (مریم\u200cها)", "李小龍", "👩\u200d❤️\u200d👨 Sam"])
def test_names_in_any_script_are_welcome(logged_in, name):
    response = logged_in.post_form("/couples/new", COUPLE | {"partner1-name": name})
    assert response.status_code == 302
    assert db.session.scalars(select(Partner).where(Partner.position == 1)).one().name == name


@pytest.mark.parametrize("url, data, field", [
    ("/account/", {"name": "Dr. Reyes", "credentials": "PhD", "submit": "Save"}, "name"),
    ("/account/", {"name": "Dr. Reyes", "credentials": "PhD", "submit": "Save"}, "credentials"),
])
def test_clinician_names_refuse_overrides(logged_in, url, data, field):
    response = logged_in.post_form(url, data | {field: "Dr. \u202eReyes"})
    assert response.status_code == 200 and error_for(response.data, field) == NAME_MESSAGE.replace("'", "&#39;")


def test_signup_names_refuse_overrides(client):
    data = {"name": "Dana", "practice_name": "Harbor \u202eRetaW", "email": "d@example.com",
            "password": PASSWORD, "confirm": PASSWORD}
    response = client.post_form("/signup", data)
    assert response.status_code == 200
    assert error_for(response.data, "practice_name") == NAME_MESSAGE.replace("'", "&#39;")


def test_hidden_name_character():
    assert hidden_name_character("Alex") is None and hidden_name_character("Al\u202eex") == "\u202e"
    assert hidden_name_character("خ\u200cب") is None
