"""Answer forms generated from a version's prompts: drafts may be partial, submissions may not."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from practice.library.answer_forms import answer_form_class
from tests.factories import ALL_PROMPT_TYPES, exercise_content


@pytest.fixture()
def request_context(app):
    with app.test_request_context(method="POST"):
        yield


def filled(content, data: dict, **options):
    form_class = answer_form_class(content, **options)
    return form_class(formdata=MultiDict(data), meta={"csrf": False})


def test_a_draft_may_leave_required_prompts_empty_but_a_submission_may_not(request_context):
    content = exercise_content(prompts=ALL_PROMPT_TYPES)
    draft = filled(content, {"q_story": "It started on a Tuesday."})
    assert draft.validate_answers(submitting=False), draft.errors

    submission = filled(content, {"q_story": "It started on a Tuesday."})
    assert not submission.validate_answers(submitting=True)
    assert set(submission.errors) == {"q_close", "q_talk", "q_kinds", "q_log"}, "optional q_word is not asked for"
    assert submission.errors["q_close"] == ["Please answer this before you send it."]
    assert submission.errors["q_log"][0] == {"q_moment": ["Please answer this before you send it."]}


def test_limits_and_choices_are_checked_on_every_save(request_context):
    content = exercise_content(prompts=ALL_PROMPT_TYPES)
    form = filled(content, MultiDict([("q_word", "x" * 201), ("q_close", "9"), ("q_talk", "maybe"),
                                      ("q_kinds", "hug"), ("q_kinds", "kiss"), ("q_kinds", "hand")]))
    assert not form.validate_answers(submitting=False)
    assert form.errors["q_word"] == ["Please shorten this to 200 characters or fewer; nothing has been cut."]
    assert form.errors["q_close"] == form.errors["q_talk"] == ["Please choose from the options shown."]
    assert form.errors["q_kinds"] == ["Please choose up to 2."]


def test_answers_come_back_by_prompt_key_with_one_entry_per_day(request_context):
    content = exercise_content(prompts=ALL_PROMPT_TYPES)
    form = filled(content, MultiDict([
        ("q_story", "Ours"), ("q_close", "4"), ("q_talk", "yes"), ("q_kinds", "hug"),
        ("q_log-0-q_moment", "Coffee together"), ("q_log-2-q_moment", "A walk"),
    ]), days=4)
    assert form.validate_answers(submitting=False)
    answers = form.answers()
    assert answers["close"] == 4 and answers["kinds"] == ["hug"] and answers["word"] is None
    assert [day["moment"] for day in answers["log"]] == ["Coffee together", None, "A walk", None]


def test_a_role_sees_shared_prompts_and_its_own(request_context):
    content = exercise_content(
        roles=[{"key": "hurt", "label": "Hurt"}, {"key": "hurting", "label": "Hurting"}],
        prompts=[
            {"key": "shared", "type": "long_text", "label": "For both"},
            {"key": "pain", "type": "long_text", "label": "Your pain", "role": "hurt"},
            {"key": "impact", "type": "long_text", "label": "Its impact", "role": "hurting"},
        ],
    )
    assert [p.key for p, _ in filled(content, {}, role="hurt").pairs()] == ["shared", "pain"]
    assert [p.key for p, _ in filled(content, {}, role="hurting").pairs()] == ["shared", "impact"]
    assert [p.key for p, _ in filled(content, {}).pairs()] == ["shared", "pain", "impact"]
