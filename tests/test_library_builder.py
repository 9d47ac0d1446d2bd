"""The exercise builder through its real forms: buttons that add, remove and move prompts, then save."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select, update

from practice.extensions import db
from practice.models import Exercise, ExerciseVersion
from tests.factories import make_exercise
from tests.html_forms import form_fields

METADATA = {
    "title": "Small moments of closeness",
    "purpose": "Helps partners notice and name the small moments that bring them closer.",
    "instructions": "Over the week, notice **small moments** of closeness.\n\n- Write them down\n- Share one",
    "minutes": "15", "mode": "individual", "stage": "consolidation",
    "areas": ["affectionate_touch", "taken_for_granted"], "strategy": "affection",
}


def press(client, url: str, fields: dict, action: str, **typed):
    """Type into some fields, then press the button with this action value, as a browser would."""
    data = dict(fields)
    for name, value in typed.items():
        data[name.replace("__", "-")] = value if isinstance(value, list) else [value]
    data["action"] = [action]
    return client.post_form(url, data)


def step(client, url, fields, action, **typed) -> dict:
    """Press a button that re-shows the form; return the form as the browser now has it."""
    response = press(client, url, fields, action, **typed)
    assert response.status_code == 200, response.data[:300]
    return form_fields(response.data)


def error_for(html: bytes, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>([^<]*)<', html.decode())
    return unescape(match.group(1)) if match else ""


def labels(fields: dict) -> list[str]:
    count = len([name for name in fields if re.fullmatch(r"prompts-\d+-type", name)])
    return [fields[f"prompts-{i}-label"][0] for i in range(count)]


def exercises() -> int:
    return db.session.scalar(select(func.count(Exercise.id)))


def test_build_an_exercise_with_every_prompt_type(logged_in, clinician):
    url = "/library/new"
    fields = form_fields(logged_in.get(url).data)
    assert fields["prompts-0-type"] == ["long_text"] and fields["mode"] == ["individual"]

    fields = step(logged_in, url, fields, "add:scale", **METADATA, prompts__0__label="What felt close this week?")
    assert fields["title"] == [METADATA["title"]] and fields["prompts-1-type"] == ["scale"]
    fields = step(logged_in, url, fields, "add:single_choice", prompts__1__label="How close do you feel?",
                  prompts__1__min_label="Far apart", prompts__1__max_label="Very close")
    fields = step(logged_in, url, fields, "add:multi_choice", prompts__2__label="Shall we talk about it?",
                  prompts__2__options="Yes\nNo\nNot sure yet")
    fields = step(logged_in, url, fields, "add:short_text", prompts__3__label="Which moments?",
                  prompts__3__options="hug | A hug\nA kiss\nHolding hands", prompts__3__max_choices="2")
    fields = step(logged_in, url, fields, "add:daily_log", prompts__4__label="One word for today",
                  prompts__4__required=[])
    assert fields["prompts-5-fields-0-type"] == ["short_text"]
    fields = step(logged_in, url, fields, "add_field:5:scale", prompts__5__label="Each evening",
                  prompts__5__days="5", prompts__5__fields__0__label="What happened?")
    assert exercises() == 0, "buttons other than Save never save"

    response = press(logged_in, url, fields, "save", prompts__5__fields__1__label="How connected?",
                     prompts__5__fields__1__min_label="Not at all", prompts__5__fields__1__max_label="Very")
    assert response.status_code == 302, error_summary(response.data)
    exercise = db.session.scalar(select(Exercise))
    assert exercise.practice_id == clinician.practice_id and exercise.created_by_id == clinician.id
    content = exercise.latest.content
    assert [p.type for p in content.prompts] == [
        "long_text", "scale", "single_choice", "multi_choice", "short_text", "daily_log"]
    assert content.prompts[0].key == "what_felt_close_this_week"
    assert [o.value for o in content.prompts[2].options] == ["yes", "no", "not_sure_yet"]
    assert [o.value for o in content.prompts[3].options] == ["hug", "a_kiss", "holding_hands"]
    assert content.prompts[3].max_choices == 2 and content.prompts[4].required is False
    log = content.prompts[5]
    assert log.days == 5 and [f.type for f in log.fields] == ["short_text", "scale"]
    assert set(content.areas) == set(METADATA["areas"]) and exercise.latest.number == 1


def error_summary(html: bytes) -> str:
    return " | ".join(unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]+)<', html.decode()))


def test_remove_and_move_prompts_keeping_everything_typed(logged_in):
    url = "/library/new"
    fields = form_fields(logged_in.get(url).data)
    fields = step(logged_in, url, fields, "add:short_text", minutes="a while", prompts__0__label="First")
    fields = step(logged_in, url, fields, "add:scale", prompts__1__label="Second")
    fields = step(logged_in, url, fields, "up:2", prompts__2__label="Third", prompts__2__min_label="Low")
    assert labels(fields) == ["First", "Third", "Second"]
    assert fields["prompts-1-min_label"] == ["Low"] and fields["prompts-1-type"] == ["scale"]
    assert fields["minutes"] == ["a while"], "even what is not valid yet comes back as typed"
    fields = step(logged_in, url, fields, "remove:0")
    assert labels(fields) == ["Third", "Second"]
    fields = step(logged_in, url, fields, "down:0")
    assert labels(fields) == ["Second", "Third"]
    fields = step(logged_in, url, fields, "down:1")
    assert labels(fields) == ["Second", "Third"], "the last prompt cannot move further down"
    assert exercises() == 0


def test_daily_log_questions_can_be_added_moved_and_removed(logged_in):
    url = "/library/new"
    fields = step(logged_in, url, form_fields(logged_in.get(url).data), "remove:0")
    fields = step(logged_in, url, fields, "add:daily_log")
    fields = step(logged_in, url, fields, "add_field:0:single_choice", prompts__0__fields__0__label="A")
    fields = step(logged_in, url, fields, "up_field:0:1", prompts__0__fields__1__label="B")
    assert [fields[f"prompts-0-fields-{j}-label"][0] for j in (0, 1)] == ["B", "A"]
    fields = step(logged_in, url, fields, "remove_field:0:0")
    assert fields["prompts-0-fields-0-label"] == ["A"] and "prompts-0-fields-1-type" not in fields


def test_mistakes_are_shown_next_to_their_fields_and_nothing_typed_is_lost(logged_in):
    url = "/library/new"
    fields = form_fields(logged_in.get(url).data)
    fields = step(logged_in, url, fields, "add:single_choice")
    fields = step(logged_in, url, fields, "add:multi_choice")
    response = press(
        logged_in, url, fields, "save", **(METADATA | {"title": "", "areas": [], "minutes": "500"}),
        prompts__0__label="", prompts__1__label="Pick one", prompts__1__options="Only this",
        prompts__2__label="Pick some", prompts__2__options="a | Apples\na | Apricots\nBananas",
        prompts__2__max_choices="x",
    )
    html = response.data
    assert response.status_code == 200 and exercises() == 0
    assert "Some details need another look" in html.decode()
    assert error_for(html, "title") == "Please fill this in."
    assert error_for(html, "minutes") == "Please enter a whole number from 5 to 120."
    assert error_for(html, "areas") == "Please choose at least one area."
    assert error_for(html, "prompts-0-label") == "Please fill this in."
    assert error_for(html, "prompts-1-options") == "Please add at least 2 options."
    assert error_for(html, "prompts-2-options") == "Each option needs its own value; “a” is used twice."
    assert error_for(html, "prompts-2-max_choices") == "Please enter a whole number."
    kept = form_fields(html)
    assert kept["prompts-2-options"] == ["a | Apples\na | Apricots\nBananas"]
    assert kept["purpose"] == [METADATA["purpose"]] and kept["minutes"] == ["500"]
    assert kept["prompts-2-max_choices"] == ["x"]


def test_option_lines_and_role_mistakes_say_which_line(logged_in):
    url = "/library/new"
    fields = form_fields(logged_in.get(url).data)
    fields = step(logged_in, url, fields, "add:single_choice")
    response = press(logged_in, url, fields, "save", **METADATA, prompts__0__label="Why?",
                     prompts__1__label="Pick", prompts__1__options="yes | Yes\nNo way | No",
                     roles="Only one role")
    assert error_for(response.data, "prompts-1-options").startswith("Line 2: Please use up to 40 lowercase")
    assert error_for(response.data, "roles") == "Please give exactly two roles, one for each partner, or none."


def test_an_exercise_needs_at_least_one_prompt(logged_in):
    url = "/library/new"
    fields = step(logged_in, url, form_fields(logged_in.get(url).data), "remove:0")
    response = press(logged_in, url, fields, "save", **METADATA)
    assert "Please add at least one question." in error_summary(response.data)
    assert exercises() == 0


def test_roles_give_each_partner_their_own_prompts(logged_in):
    url = "/library/new"
    fields = form_fields(logged_in.get(url).data)
    fields = step(logged_in, url, fields, "refresh", roles="hurt | The partner who was hurt\nThe partner who hurt")
    page = logged_in.post_form(url, fields | {"action": ["add:long_text"]}).data.decode()
    assert '<option value="the_partner_who_hurt">The partner who hurt</option>' in page
    fields = form_fields(page)
    response = press(logged_in, url, fields, "save", **METADATA, prompts__0__label="What hurt?",
                     prompts__0__role="hurt", prompts__1__label="What do you understand?",
                     prompts__1__role="the_partner_who_hurt")
    assert response.status_code == 302, error_summary(response.data)
    content = db.session.scalar(select(Exercise)).latest.content
    assert [p.key for p in content.prompts_for("hurt")] == ["what_hurt"]


def test_an_action_that_is_not_ours_is_refused(logged_in):
    response = logged_in.post_form("/library/new", {"action": "drop:tables"})
    assert response.status_code == 400


def test_tags_in_words_partners_read_are_refused_and_a_lone_angle_bracket_is_kept(logged_in):
    """The rule for text partners read: no HTML tags (they would see the tag), but "<3" or "&" are words."""
    url = "/library/new"
    fields = form_fields(logged_in.get(url).data)
    refused = press(logged_in, url, fields, "save", **(METADATA | {"title": "<b>Us</b> & them"}),
                    prompts__0__label="<script>alert('hi')</script> How was it?")
    assert refused.status_code == 200 and exercises() == 0
    assert error_for(refused.data, "title").startswith("Please write this without HTML tags")
    assert error_for(refused.data, "prompts-0-label").startswith("Please write this without HTML tags")
    saved = press(logged_in, url, fields, "save", **(METADATA | {"title": "Us & them <3"}),
                  prompts__0__label="How was it, 1 < 2?")
    page = logged_in.get(saved.headers["Location"]).data.decode()
    assert "Us &amp; them &lt;3" in page and "How was it, 1 &lt; 2?" in page
    assert "<strong>small moments</strong>" in page and "<li>Write them down</li>" in page


def test_raw_html_in_instructions_is_refused_with_a_reason(logged_in):
    url = "/library/new"
    response = press(logged_in, url, form_fields(logged_in.get(url).data), "save",
                     **(METADATA | {"instructions": 'Read <a href="https://x.test">this</a>'}),
                     prompts__0__label="Question")
    assert error_for(response.data, "instructions").startswith("Please use Markdown rather than HTML tags")


def builtin(slug: str) -> Exercise:
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug))


def test_copy_and_adapt_a_builtin(logged_in, clinician, builtins):
    source = builtin("trust-repair-after-betrayal")
    url = f"/library/{source.id}/copy"
    fields = form_fields(logged_in.get(url).data)
    assert fields["title"] == [source.latest.title] and fields["roles"][0].startswith("hurt | ")
    response = press(logged_in, url, fields, "save", minutes="40")
    assert response.status_code == 302, error_summary(response.data)

    copy = db.session.scalar(select(Exercise).where(Exercise.practice_id == clinician.practice_id))
    assert copy.copied_from_id == source.id and copy.copied_from_number == 1 and copy.latest.number == 1
    assert copy.latest.content.prompts == source.latest.content.prompts and copy.latest.minutes == 40
    db.session.refresh(source)
    assert source.latest_number == 1 and source.latest.minutes == 30
    page = logged_in.get(response.headers["Location"]).data.decode()
    assert "Adapted from" in page and "Your practice" in page


def test_editing_adds_a_version_and_leaves_the_old_one_as_it_was(logged_in, clinician):
    exercise = make_exercise(clinician)
    url = f"/library/{exercise.id}/edit"
    fields = form_fields(logged_in.get(url).data)
    response = press(logged_in, url, fields, "save", prompts__0__label="What did you notice today?")
    assert response.status_code == 302
    assert "Saved as version 2" in logged_in.get(response.headers["Location"]).data.decode()

    db.session.refresh(exercise)
    first, second = exercise.versions
    assert first.prompts[0]["label"] == "What did you notice?"
    assert second.prompts[0]["label"] == "What did you notice today?"
    assert second.prompts[0]["key"] == "noticed", "keys stay stable across versions"
    assert exercise.latest.number == 2 and second.created_by_id == clinician.id


def test_saving_unchanged_content_adds_no_version(logged_in, clinician):
    exercise = make_exercise(clinician)
    url = f"/library/{exercise.id}/edit"
    response = press(logged_in, url, form_fields(logged_in.get(url).data), "save")
    assert response.status_code == 302
    assert "Nothing had changed" in logged_in.get(response.headers["Location"]).data.decode()
    assert db.session.scalar(select(func.count(ExerciseVersion.id))) == 1


def test_a_stale_edit_is_refused_and_keeps_the_typed_text(logged_in, clinician):
    exercise = make_exercise(clinician)
    url = f"/library/{exercise.id}/edit"
    first_tab = form_fields(logged_in.get(url).data)
    second_tab = form_fields(logged_in.get(url).data)
    assert press(logged_in, url, first_tab, "save", title="Saved in the first tab").status_code == 302

    response = press(logged_in, url, second_tab, "save", title="Typed in the second tab")
    assert response.status_code == 200
    assert "Someone else saved this page" in response.data.decode()
    kept = form_fields(response.data)
    assert kept["title"] == ["Typed in the second tab"]
    db.session.refresh(exercise)
    assert exercise.latest.title == "Saved in the first tab" and exercise.latest_number == 2

    assert press(logged_in, url, kept, "save").status_code == 302, "saving again replaces it deliberately"
    db.session.refresh(exercise)
    assert exercise.latest.title == "Typed in the second tab" and exercise.latest_number == 3


@pytest.mark.parametrize("method, path", [("get", "edit"), ("post", "edit"), ("post", "retire")])
def test_builtins_are_copied_never_edited_or_retired(logged_in, builtins, method, path):
    exercise = builtin("seeing-our-cycle")
    url = f"/library/{exercise.id}/{path}"
    response = logged_in.get(url) if method == "get" else logged_in.post_form(url, {"action": "save"})
    assert response.status_code == 404
    db.session.refresh(exercise)
    assert exercise.latest_number == 1 and not exercise.is_retired


def test_a_version_saved_before_the_tag_rule_still_opens(logged_in, clinician):
    """Versions never change, so a rule added later applies to what is written next, not to what is stored."""
    exercise = make_exercise(clinician)
    db.session.execute(update(ExerciseVersion).where(ExerciseVersion.exercise_id == exercise.id)
                       .values(title="Me<You check-in"))  # as a builder before the rule could save it
    db.session.commit()
    page = logged_in.get(f"/library/{exercise.id}")
    assert page.status_code == 200 and "Me&lt;You check-in" in page.data.decode()
