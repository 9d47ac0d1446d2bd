"""Issue 14 §2: exercises declare what is safe, built-ins and the builder alike.

The built-ins carry the declarations the issue lists (one row per slug), their
texts lost what could harm a partner who is being abused, the safety line is
written in one place and shown wherever partners read instructions, and the
builder sets every declaration, keeping what was typed when something is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template
from sqlalchemy import func, select

from practice.documents.session_pdfs import handout_document
from practice.extensions import db
from practice.library.services import sync_builtins
from practice.models import Exercise, ExerciseVersion
from practice.models.exercise_content import ExerciseContent
from practice.sessions.services import sign
from tests.factories import make_exercise
from tests.homework_helpers import give_homework, partner_login, world  # noqa: F401
from tests.html_forms import form_fields
from tests.session_helpers import draft, record_session
from tests.test_library_builder import METADATA, error_for, error_summary, press, step

SAFETY_LINE = ("If you are afraid of your partner, this exercise isn't for now. Leaving to somewhere safe is always "
               "okay, with no promise to return. Tell your therapist privately.")
FLAGS = ("never_shared", "one_partner_only", "practise_in_session_first", "safety_line", "vulnerable",
         "needs_named_concern")
ROOT = Path(__file__).resolve().parents[1]

# Every built-in and what it declares; a new built-in must be added here, deciding each flag.
DECLARED = {
    "an-old-problem-a-new-way": {"safety_line"},
    "answering-a-reach": {"practise_in_session_first", "safety_line", "vulnerable"},
    "asking-from-a-softer-place": {"safety_line", "vulnerable"},
    "being-seen-as-you-are": {"never_shared", "practise_in_session_first", "safety_line", "vulnerable"},
    "daily-affection-log": set(),
    "daily-gratitude-log": set(),
    "deeper-conversation-questions": set(),
    "fears-and-longings": {"never_shared", "vulnerable"},
    "injury-repair-step-1-telling-the-hurt": {"never_shared", "vulnerable", "needs_named_concern"},
    "injury-repair-step-2-after-the-apology": {"never_shared", "vulnerable", "needs_named_concern"},
    "injury-repair-step-3-when-images-come-back": {"never_shared", "needs_named_concern"},
    "listening-to-understand": {"safety_line"},
    "mood-and-self-care-check": {"never_shared"},
    "naming-our-cycle-together": {"safety_line"},
    "needs-and-boundaries": {"never_shared"},
    "our-story-of-getting-out": set(),
    "pausing-without-leaving": {"safety_line"},
    "planning-time-together": set(),
    "private-safety-plan": {"never_shared", "one_partner_only"},
    "raw-spots": {"never_shared", "vulnerable"},
    "reaching-each-other-a-private-rating": {"never_shared"},
    "reaching-for-your-partner": {"practise_in_session_first", "safety_line", "vulnerable"},
    "repair-after-a-rocky-moment": {"safety_line"},
    "rituals-of-connection": set(),
    "seeing-our-cycle": {"safety_line"},
    "sexual-intimacy-reflection": {"never_shared", "vulnerable", "needs_named_concern"},
    "the-feeling-underneath": {"safety_line"},
    "trust-repair-after-betrayal": {"never_shared", "safety_line", "vulnerable", "needs_named_concern"},
    "trying-something-new-together": set(),
    "what-helps-me-stay": {"safety_line", "vulnerable"},
    "what-stayed-with-me": {"never_shared"},
    "when-the-old-cycle-returns": {"safety_line"},
}


def test_every_builtin_is_in_the_table(builtin_files):
    assert sorted(builtin_files) == sorted(DECLARED)


@pytest.mark.parametrize("slug", sorted(DECLARED))
def test_each_builtin_declares_what_the_issue_lists(builtin_files, slug):
    content = builtin_files[slug]
    assert {flag for flag in FLAGS if getattr(content, flag)} == DECLARED[slug]


def flagging_prompts(content) -> dict[str, list[str]]:
    """prompt key -> the options that raise the safety flag, for every prompt and daily-log question."""
    prompts = [*content.prompts, *(f for p in content.prompts for f in getattr(p, "fields", []))]
    return {p.key: p.raises_safety_flag for p in prompts if getattr(p, "raises_safety_flag", None)}


def test_an_exercise_whose_answers_raise_the_flag_must_be_never_shared(builtin_files):
    """Shared once both sent, the other partner would read the very answer that raised the private flag."""
    from pydantic import ValidationError

    data = builtin_files["sexual-intimacy-reflection"].as_data()
    with pytest.raises(ValidationError, match="must be never shared"):
        ExerciseContent.model_validate({**data, "never_shared": False})
    for slug, content in builtin_files.items():
        if flagging_prompts(content):
            assert content.never_shared, slug


def test_only_answers_that_speak_of_danger_raise_the_flag(builtin_files):
    """Pressured, self-harm, and the new exercises' fear and not-safe answers; nothing else."""
    raising = {slug: flagging_prompts(c) for slug, c in builtin_files.items() if flagging_prompts(c)}
    assert raising == {
        "sexual-intimacy-reflection": {"feelings": ["pressured"]},
        "mood-and-self-care-check": {"hurting_yourself": ["now_and_then", "often", "rather_talk"]},
        "private-safety-plan": {"feel_now": ["unsafe"]},
        "reaching-each-other-a-private-rating": {"safe_to_turn": ["afraid"]},
        "what-stayed-with-me": {"after_home": ["worried"]},
    }


def test_the_self_harm_item_is_optional_gentle_and_beside_the_crisis_resources(builtin_files):
    mood = builtin_files["mood-and-self-care-check"]
    item = next(p for p in mood.prompts if p.key == "hurting_yourself")
    assert item.type == "single_choice" and item.required is False
    assert {o.value: o.label for o in item.options}["rather_talk"] == "I'd rather talk about it with my therapist"
    assert "no" in {o.value for o in item.options} and "no" not in item.raises_safety_flag
    assert "crisis resources" in item.help and mood.show_crisis_resources


def test_the_sexual_intimacy_text_no_longer_leaves_sharing_open(builtin_files):
    text = builtin_files["sexual-intimacy-reflection"].instructions.lower()
    assert "unless your therapist has told you otherwise" not in text
    assert "therapist only, never to your partner" in text and "in session" in text
    feelings = next(p for p in builtin_files["sexual-intimacy-reflection"].prompts if p.key == "feelings")
    assert "told privately" in feelings.help, "a partner is told honestly what choosing Pressured does"


def test_the_repair_text_has_no_door_shut_too_hard(builtin_files):
    repair = builtin_files["repair-after-a-rocky-moment"].instructions
    assert "door" not in repair.lower()
    assert "frightened, hurt, threatened or stopped from leaving" in repair


def test_the_pause_tells_the_partner_who_stays_not_to_follow_block_or_keep_messaging(builtin_files):
    pause = builtin_files["pausing-without-leaving"].instructions
    assert "Don't follow them, block the way or keep messaging" in pause


@pytest.mark.parametrize("slug", sorted(s for s, flags in DECLARED.items() if "practise_in_session_first" in flags))
def test_reaches_say_practise_in_session_first_and_stop_when_the_answer_misses(builtin_files, slug):
    text = builtin_files[slug].instructions
    assert "after you have practised" in text and "in session" in text
    assert "misses" in text and "bring it to your next session rather than trying again" in text


def test_no_builtin_frames_the_cycle_as_simply_happening_to_both(builtin_files):
    for slug, content in builtin_files.items():
        assert "happens to both of you" not in (content.purpose + content.instructions), slug
    for slug in ("seeing-our-cycle", "naming-our-cycle-together"):
        assert "safe with each other" in builtin_files[slug].purpose + builtin_files[slug].instructions, slug


def test_never_shared_texts_say_where_the_answers_go(builtin_files):
    for slug, flags in DECLARED.items():
        if "never_shared" in flags:
            assert "therapist only" in builtin_files[slug].instructions, slug


def test_the_safety_line_is_written_in_one_place_only():
    """Pasted into an exercise or a second template, it would drift; the macro is the one copy."""
    holders = [path.relative_to(ROOT).as_posix()
               for folder in ("templates", "practice")
               for path in (ROOT / folder).rglob("*") if path.is_file() and path.suffix in (".html", ".py", ".yaml")
               and "this exercise isn't for now" in path.read_text(encoding="utf-8")]
    assert holders == ["templates/_macros/safety.html"]
    assert SAFETY_LINE in (ROOT / "templates/_macros/safety.html").read_text(encoding="utf-8")


def builtin(slug: str) -> Exercise:
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug))


def test_the_preview_shows_the_safety_line_for_flagged_exercises_only(logged_in, builtins, builtin_files):
    for slug, content in builtin_files.items():
        page = logged_in.get(f"/library/{builtin(slug).id}").data.decode()
        previews = max(len(content.roles), 1)
        assert page.count(SAFETY_LINE) == (previews if content.safety_line else 0), slug
        if content.safety_line:
            line, instructions = page.index(SAFETY_LINE), page.index('<div class="instructions">')
            assert line < instructions, "partners read the line before they start"


def badges(html: str) -> list[str]:
    return re.findall(r'<li class="badge badge-safety">([^<]+)</li>', html)


def test_the_library_shows_safety_badges(logged_in, clinician, builtins, builtin_files):
    page = logged_in.get("/library/").data.decode()
    for badge, flag in (("Never shared", "never_shared"), ("Practise in session first", "practise_in_session_first"),
                        ("Safety line", "safety_line")):
        assert badges(page).count(badge) == sum(getattr(c, flag) for c in builtin_files.values()), badge
    assert badges(page).count("One partner only") == sum(c.one_partner_only for c in builtin_files.values()) == 1
    own = make_exercise(clinician, never_shared=True, one_partner_only=True)
    detail = logged_in.get(f"/library/{own.id}").data.decode()
    assert badges(detail) == ["One partner only", "Never shared"]
    assert badges(logged_in.get(f"/library/{builtin('daily-gratitude-log').id}").data.decode()) == []


def test_the_answer_page_shows_the_safety_line_for_flagged_exercises_only(app, world):
    flagged = give_homework(world, exercise=make_exercise(world.clinician, title="Softer", safety_line=True))
    plain = give_homework(world, exercise=make_exercise(world.clinician, title="Plain"))
    alex = partner_login(app, world.p1)
    assert alex.get(f"/portal/homework/{flagged.id}").data.decode().count(SAFETY_LINE) == 1
    assert SAFETY_LINE not in alex.get(f"/portal/homework/{plain.id}").data.decode()


def test_the_handout_shows_the_safety_line_with_flagged_homework_only(app, world):
    flagged = give_homework(world, exercise=make_exercise(world.clinician, title="Zqsofter", safety_line=True))
    plain = give_homework(world, exercise=make_exercise(world.clinician, title="Zqplain"))
    session = record_session(world)
    sign(session, world.clinician, session.version, draft(session, focus="Seeing the cycle",
                                                          assigned=[flagged.id, plain.id]))
    template, context = handout_document(session)
    html = render_template(template, **context)
    assert html.count(SAFETY_LINE) == 1
    assert html.index("Zqsofter") < html.index(SAFETY_LINE) < html.index("Zqplain")


def test_sync_stores_the_declarations_and_stays_idempotent(app, builtin_files):
    sync_builtins(builtin_files)
    assert sync_builtins(builtin_files).unchanged == len(builtin_files)
    assert db.session.scalar(select(func.count(ExerciseVersion.id))) == len(builtin_files)
    for slug, flags in DECLARED.items():
        version = builtin(slug).latest
        assert {flag for flag in FLAGS if getattr(version, flag)} == flags, slug
    assert builtin("sexual-intimacy-reflection").latest.content == builtin_files["sexual-intimacy-reflection"]


# The builder ------------------------------------------------------------------

def test_the_builder_sets_every_declaration_and_which_options_raise_the_flag(logged_in, clinician):
    url = "/library/new"
    fields = form_fields(logged_in.get(url).data)
    for flag in FLAGS:
        assert f"{flag}-help" in logged_in.get(url).data.decode(), f"{flag} has help text"
    fields = step(logged_in, url, fields, "add:single_choice", prompts__0__label="How was it?")
    page = press(logged_in, url, fields, "refresh", prompts__1__label="Did anything worry you?",
                 prompts__1__options="No\nworried | A little\nscared | Yes, I felt scared").data.decode()
    assert 'value="scared"' in page, "the options typed are offered once shown again"
    fields = step(logged_in, url, form_fields(page), "add:daily_log")
    fields = step(logged_in, url, fields, "add_field:2:single_choice", prompts__2__label="Each day",
                  prompts__2__fields__0__label="A word for today")
    one_area = METADATA | {"areas": ["taken_for_granted"]}  # the re-save below compares content exactly
    response = press(logged_in, url, fields, "save", **one_area, **{flag: "y" for flag in FLAGS},
                     prompts__1__raises_safety_flag=["worried", "scared"],
                     prompts__2__fields__1__label="Did you feel safe today?",
                     prompts__2__fields__1__options="yes | Yes\nnot_really | Not really",
                     prompts__2__fields__1__raises_safety_flag="not_really")
    assert response.status_code == 302, error_summary(response.data)

    exercise = db.session.scalar(select(Exercise).where(Exercise.practice_id == clinician.practice_id))
    content = exercise.latest.content
    assert all(getattr(content, flag) for flag in FLAGS)
    assert content.prompts[1].raises_safety_flag == ["worried", "scared"]
    assert content.prompts[2].fields[1].raises_safety_flag == ["not_really"]

    edit = f"/library/{exercise.id}/edit"
    kept = form_fields(logged_in.get(edit).data)
    assert all(kept[flag] == ["y"] for flag in FLAGS)
    assert kept["prompts-1-raises_safety_flag"] == ["worried", "scared"]
    assert kept["prompts-2-fields-1-raises_safety_flag"] == ["not_really"]
    assert press(logged_in, edit, kept, "save").status_code == 302
    assert exercise.latest_number == 1, "loaded and saved unchanged: every declaration came back as stored"


def test_an_option_that_does_not_exist_is_refused_next_to_its_field(logged_in):
    url = "/library/new"
    fields = step(logged_in, url, form_fields(logged_in.get(url).data), "add:multi_choice")
    response = press(logged_in, url, fields, "save", **METADATA, safety_line="y", prompts__0__label="Why?",
                     prompts__1__label="Which?", prompts__1__options="calm | Calm\nupset | Upset",
                     prompts__1__raises_safety_flag=["upset", "invented"])
    assert response.status_code == 200
    assert error_for(response.data, "prompts-1-raises_safety_flag") == "“invented” isn't one of this question's options."
    kept = form_fields(response.data)
    assert kept["prompts-1-raises_safety_flag"] == ["upset"] and kept["safety_line"] == ["y"]
    assert kept["prompts-1-options"] == ["calm | Calm\nupset | Upset"] and kept["title"] == [METADATA["title"]]
    assert db.session.scalar(select(func.count(Exercise.id))) == 0


def test_one_partner_only_needs_an_exercise_done_alone_and_never_shared(logged_in):
    url = "/library/new"
    response = press(logged_in, url, form_fields(logged_in.get(url).data), "save",
                     **(METADATA | {"mode": "together"}), one_partner_only="y", prompts__0__label="Why?")
    assert error_for(response.data, "one_partner_only") == (
        "An exercise for one partner only is done alone and never shared.")
    assert form_fields(response.data)["one_partner_only"] == ["y"]


def test_copy_and_adapt_keeps_every_declaration(logged_in, clinician, builtins):
    source = builtin("sexual-intimacy-reflection")
    url = f"/library/{source.id}/copy"
    response = press(logged_in, url, form_fields(logged_in.get(url).data), "save", title="Our own reflection")
    assert response.status_code == 302, error_summary(response.data)
    copy = db.session.scalar(select(Exercise).where(Exercise.practice_id == clinician.practice_id)).latest.content
    original = source.latest.content
    assert {flag: getattr(copy, flag) for flag in FLAGS} == {flag: getattr(original, flag) for flag in FLAGS}
    assert flagging_prompts(copy) == {"feelings": ["pressured"]}
    assert copy.model_copy(update={"title": original.title}) == original
