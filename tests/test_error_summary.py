"""Long forms open with a summary that links to each field needing attention (GOV.UK's error summary pattern)."""

from __future__ import annotations

import re

from tests.homework_helpers import clinician_login, world  # noqa: F401
from tests.reading import visible
from tests.session_helpers import record_session
from tests.test_library_builder import METADATA, form_fields, press, step
from tests.test_sessions_flow import note_form

SUMMARY = re.compile(r'<div class="notice notice-error error-summary".*?</div>', re.S)


def summary_links(html: str) -> list[tuple[str, str]]:
    """(target id, link text) for each entry of the page's error summary; every target must be on the page."""
    box = SUMMARY.search(html)
    assert box, "no error summary"
    links = re.findall(r'<a href="#([^"]+)">(.*?)</a>', box.group(0))
    missing = [target for target, _ in links if f'id="{target}"' not in html]
    assert missing == [], f"summary links to no field: {missing}"
    return links


def test_the_couple_form_lists_each_problem_with_its_group(app, world):
    therapist = clinician_login(app, world.clinician)
    page = therapist.post_form("/couples/new", {"partner1-name": "", "stage": ""}).data.decode()
    links = summary_links(page)
    assert [target for target, _ in links][:3] == ["partner1-name", "partner2-name", "stage-0"]
    assert "Partner 1: Name: Please enter a name." in visible(page)


def test_the_assign_form_lists_its_problems(app, world):
    therapist = clinician_login(app, world.clinician)
    url = f"/couples/{world.couple.id}/homework/new?exercise={world.exercise.id}"
    page = therapist.post_form(url, {"who": "", "due_date": ""}).data.decode()
    targets = [target for target, _ in summary_links(page)]
    assert "who-0" in targets and "due_date" in targets


def test_a_session_note_signed_without_a_focus_lists_it(app, world):
    session = record_session(world)
    therapist = clinician_login(app, world.clinician)
    fields = note_form(therapist.get(f"/sessions/{session.id}").data) | {"sign": "Sign and lock", "focus": ""}
    answer = therapist.post_form(f"/sessions/{session.id}", fields).data.decode()
    assert ("focus", "Focus: Please note the session's focus before signing.") in [
        (target, text.replace("&#39;", "'")) for target, text in summary_links(answer)]


def test_the_builder_lists_its_problems_down_to_each_question(logged_in):
    url = "/library/new"
    fields = step(logged_in, url, form_fields(logged_in.get(url).data), "add:single_choice")
    page = press(logged_in, url, fields, "save", **(METADATA | {"title": ""}), prompts__0__label="").data.decode()
    links = summary_links(page)
    assert "title" in [target for target, _ in links]
    assert ("prompts-0-label", "Question 1: Please fill this in.") in links
