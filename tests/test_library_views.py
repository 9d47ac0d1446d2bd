"""The library pages: browsing with filters, previews as partners see them, retiring, and who may see what."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import event, select

from practice.extensions import db
from practice.library.services import save_changes
from practice.models import Exercise
from tests.factories import ALL_PROMPT_TYPES, exercise_content, make_clinician, make_exercise, make_practice
from tests.logins import login


def titles(html: bytes) -> set[str]:
    return {unescape(t) for t in re.findall(r'<h2><a href="/library/\d+">([^<]+)</a></h2>', html.decode())}


def builtin(slug: str) -> Exercise:
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug))


def test_the_library_lists_builtins_and_the_practices_own(logged_in, clinician, builtins, builtin_files):
    make_exercise(clinician, title="Our own check-in")
    make_exercise(make_clinician(email="elsewhere@example.com"), title="Another practice's secret")
    shown = titles(logged_in.get("/library/").data)
    assert shown == {c.title for c in builtin_files.values()} | {"Our own check-in"}


@pytest.mark.parametrize("query, keep", [
    ("area=betrayal", lambda c: "betrayal" in c.areas),
    ("strategy=affection", lambda c: c.strategy == "affection"),
    ("stage=consolidation", lambda c: c.stage == "consolidation"),
    ("mode=together", lambda c: c.mode == "together"),
    ("max_minutes=10", lambda c: c.minutes <= 10),
    ("q=GRATITUDE", lambda c: "gratitude" in (c.title + c.purpose).lower()),
    ("stage=restructuring&mode=individual&max_minutes=20",
     lambda c: c.stage == "restructuring" and c.mode == "individual" and c.minutes <= 20),
])
def test_filters_narrow_the_library(logged_in, builtins, builtin_files, query, keep):
    expected = {c.title for c in builtin_files.values() if keep(c)}
    assert expected and len(expected) < len(builtin_files), "the filter must actually narrow"
    assert titles(logged_in.get(f"/library/?{query}").data) == expected


def test_a_tampered_filter_is_ignored_and_a_search_matches_literally(logged_in, builtins, builtin_files):
    assert len(titles(logged_in.get("/library/?area=gardening&max_minutes=9999").data)) == len(builtin_files)
    assert titles(logged_in.get("/library/?q=100%25").data) == set()
    assert "No exercises match" in logged_in.get("/library/?q=zzzz").data.decode()


def test_retire_hides_an_exercise_and_restore_brings_it_back(logged_in, clinician):
    exercise = make_exercise(clinician, title="Soon retired")
    assert logged_in.post_form(f"/library/{exercise.id}/retire").status_code == 302
    assert "Soon retired" not in titles(logged_in.get("/library/").data)
    assert "Soon retired" in titles(logged_in.get("/library/?show_retired=y").data)
    page = logged_in.get(f"/library/{exercise.id}").data.decode()
    assert "This exercise is retired" in page and "Restore to the library" in page

    assert logged_in.post_form(f"/library/{exercise.id}/restore").status_code == 302
    assert "Soon retired" in titles(logged_in.get("/library/").data)
    db.session.refresh(exercise)
    assert exercise.retired_at is None and len(exercise.versions) == 1


def test_the_preview_shows_every_prompt_type_read_only(logged_in, clinician):
    exercise = make_exercise(clinician, prompts=ALL_PROMPT_TYPES)
    page = logged_in.get(f"/library/{exercise.id}").data.decode()
    preview = page[page.index("What partners see"):]
    assert '<textarea disabled id="q_story"' in preview
    assert 'id="q_word" name="q_word" type="text"' in preview and "One word <span class=\"muted\">(optional)</span>" in preview
    assert "0 = Far apart" in preview and "6 = Very close" in preview
    assert len(re.findall(r'name="q_close" type="radio" value="[0-6]"', preview)) == 7
    assert 'type="radio" value="yes"> Yes, please' in preview
    assert 'type="checkbox" value="kiss"> A kiss' in preview and "Choose up to 2." in preview
    assert "Day 3 of 3" in preview and 'name="q_log-2-q_moment"' in preview
    inputs = re.findall(r"<(?:input|textarea)[^>]*>", preview)
    assert inputs and all(" disabled" in tag for tag in inputs)
    assert "maxlength" not in preview, "long answers are refused with a message, never cut by the browser"


def test_every_builtin_previews_with_its_instructions_rendered(logged_in, builtins, builtin_files):
    for slug, content in builtin_files.items():
        page = logged_in.get(f"/library/{builtin(slug).id}").data.decode()
        assert unescape(re.search(r"<h3>([^<]+)</h3>", page).group(1)) == content.title
        assert "<strong>" in page or "<li>" in page, slug
        assert "Copy and adapt" in page and ">Edit<" not in page and "Retire" not in page


def test_role_previews_and_crisis_resources(logged_in, clinician, builtins):
    trust = logged_in.get(f"/library/{builtin('trust-repair-after-betrayal').id}").data.decode()
    hurt, hurting = trust.split("Shown to <strong>the partner who caused the hurt</strong>")
    assert "hurt-q_hurt_impact" in hurt and "hurt_impact" not in hurting
    assert "hurting-q_hurting_offer" in hurting and "hurting_offer" not in hurt
    assert 'id="hurt-q_hope"' in hurt and 'id="hurting-q_hope"' in hurting

    clinician.practice.crisis_resources = "Call the Riverbend line: 555 0100"
    db.session.commit()
    mood = logged_in.get(f"/library/{builtin('mood-and-self-care-check').id}").data.decode()
    assert "If you need help right now" in mood
    assert 'Call the Riverbend line: <a href="tel:5550100" class="tel-link">555 0100</a>' in mood
    assert "If you need help right now" not in hurt


def test_markdown_instructions_are_sanitised(app):
    from practice.web.markdown import render_markdown

    html = render_markdown("**Hi** <script>alert(1)</script>\n\n[link](https://x.test) ![img](https://x.test/i.png)")
    assert "<strong>Hi</strong>" in html and "&lt;script&gt;" in html
    assert "<a" not in html and "<img" not in html and "<script" not in html


def test_library_pages_use_no_inline_scripts_or_styles(logged_in, clinician):
    exercise = make_exercise(clinician)
    for path in ["/library/", f"/library/{exercise.id}", "/library/new", f"/library/{exercise.id}/edit"]:
        html = logged_in.get(path).data
        assert not re.search(rb"<script(?![^>]*\ssrc=)", html), path  # only scripts from our own files
        assert b" style=" not in html and b"<style" not in html, path
    assert b'href="/library/" aria-current="page">Library</a>' in logged_in.get("/library/").data


def queries_for(client, path: str) -> int:
    """How many SQL statements one page view runs."""
    statements = []

    def listener(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_library_page_costs_the_same_queries_however_many_exercises(logged_in, clinician, builtins):
    before = queries_for(logged_in, "/library/")
    for n in range(5):
        make_exercise(clinician, title=f"Extra {n}")
    assert queries_for(logged_in, "/library/") == before


def test_an_exercise_page_costs_the_same_queries_however_many_versions(logged_in, clinician):
    exercise = make_exercise(clinician)
    colleague = make_clinician(clinician.practice, email="colleague@example.com")
    save_changes(exercise, exercise.version, exercise_content(title="Second"), clinician)
    before = queries_for(logged_in, f"/library/{exercise.id}")
    for n, author in enumerate([colleague, clinician, colleague]):
        db.session.refresh(exercise)
        save_changes(exercise, exercise.version, exercise_content(title=f"Change {n}"), author)
    assert queries_for(logged_in, f"/library/{exercise.id}") == before


# Who may reach a practice's own exercise ---------------------------------------

CUSTOM_URLS = [
    ("get", "/library/{id}"), ("get", "/library/{id}/copy"), ("post", "/library/{id}/copy"),
    ("get", "/library/{id}/edit"), ("post", "/library/{id}/edit"),
    ("post", "/library/{id}/retire"), ("post", "/library/{id}/restore"),
]


def request(client, method: str, url: str):
    return client.get(url) if method == "get" else client.post_form(url, {"action": "save"})


@pytest.mark.parametrize("method, url", CUSTOM_URLS)
def test_another_practice_never_reaches_a_practices_exercise(client, method, url):
    owner = make_clinician(email="owner@riverbend.example")
    exercise = make_exercise(owner, title="Riverbend's own")
    outsider = make_clinician(make_practice(), email="outsider@elsewhere.example")
    login(client, outsider)
    assert request(client, method, url.format(id=exercise.id)).status_code == 404
    assert "Riverbend's own" not in titles(client.get("/library/?show_retired=y").data)
    db.session.refresh(exercise)
    assert exercise.latest_number == 1 and not exercise.is_retired


def test_every_clinician_of_the_practice_may_use_and_edit_its_exercises(client, clinician):
    exercise = make_exercise(clinician, title="Shared with colleagues")
    colleague = make_clinician(clinician.practice, email="colleague@example.com")
    login(client, colleague)
    assert "Shared with colleagues" in titles(client.get("/library/").data)
    assert client.get(f"/library/{exercise.id}/edit").status_code == 200
    assert client.post_form(f"/library/{exercise.id}/retire").status_code == 302


@pytest.mark.parametrize("method, url", CUSTOM_URLS + [("get", "/library/"), ("get", "/library/new"),
                                                       ("post", "/library/new")])
def test_visitors_are_sent_to_sign_in(client, clinician, method, url):
    exercise = make_exercise(clinician)
    response = request(client, method, url.format(id=exercise.id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
