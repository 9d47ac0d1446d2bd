"""The exercises issue 14 added: each loads, says honestly what is safe, and syncs once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from practice.domain import Mode, Stage
from practice.extensions import db
from practice.library.loader import BUILTIN_DIR, load_file
from practice.library.services import sync_builtins
from practice.models import Exercise

# slug: what each one declares (fields not named here must stay False)
DECLARED = {
    "reaching-each-other-a-private-rating": {"never_shared"},
    "what-helps-me-stay": {"vulnerable", "safety_line"},
    "raw-spots": {"vulnerable", "never_shared", "show_crisis_resources"},
    "injury-repair-step-1-telling-the-hurt": {"vulnerable", "never_shared", "needs_named_concern"},
    "injury-repair-step-2-after-the-apology": {"vulnerable", "never_shared", "needs_named_concern"},
    "injury-repair-step-3-when-images-come-back": {"never_shared", "needs_named_concern", "show_crisis_resources"},
    "what-stayed-with-me": {"never_shared"},
    "rituals-of-connection": set(),
    "when-the-old-cycle-returns": {"safety_line"},
    "private-safety-plan": {"one_partner_only", "never_shared", "show_crisis_resources"},
}
NEW_SLUGS = tuple(DECLARED)
FLAGS = ("never_shared", "one_partner_only", "practise_in_session_first", "safety_line", "vulnerable",
         "needs_named_concern", "show_crisis_resources")
# Where a frightened partner can say so; each of these options raises the private safety flag once sent.
RAISES_FLAG = {
    "reaching-each-other-a-private-rating": ("safe_to_turn", ["afraid"]),
    "what-stayed-with-me": ("after_home", ["worried"]),
    "private-safety-plan": ("feel_now", ["unsafe"]),
}


@pytest.mark.parametrize("slug", NEW_SLUGS)
def test_each_new_exercise_loads_and_declares_what_is_safe(builtin_files, slug):
    exercise = load_file(BUILTIN_DIR / f"{slug}.yaml")
    assert exercise == builtin_files[slug]
    assert {flag for flag in FLAGS if getattr(exercise, flag)} == DECLARED[slug]
    flagged = {p.key: p.raises_safety_flag for p in exercise.prompts if getattr(p, "raises_safety_flag", [])}
    assert flagged == (dict([RAISES_FLAG[slug]]) if slug in RAISES_FLAG else {})


def test_the_attachment_injury_steps_are_three_exercises_for_the_hurt_partner(builtin_files):
    steps = [builtin_files[s] for s in NEW_SLUGS if s.startswith("injury-repair-step-")]
    assert [s.title.split(":")[0] for s in steps] == [f"Healing a deep hurt, step {n}" for n in (1, 2, 3)]
    assert all(s.mode == Mode.INDIVIDUAL and s.stage == Stage.RESTRUCTURING and not s.roles for s in steps)
    assert "betrayal" in {a.value for s in steps for a in s.areas}


def test_together_exercises_among_them_say_when_to_stop(builtin_files):
    together = [builtin_files[s] for s in NEW_SLUGS if builtin_files[s].mode == Mode.TOGETHER]
    assert {e.title for e in together} == {"Rituals of connection", "When the old cycle comes back"}
    for exercise in together:
        assert "If it gets difficult" in exercise.instructions and "stop" in exercise.instructions.lower()


def test_the_safety_plan_is_for_one_partner_and_asks_for_nothing_that_would_endanger_them(builtin_files):
    plan = builtin_files["private-safety-plan"]
    assert plan.one_partner_only and plan.mode == Mode.INDIVIDUAL and not plan.safety_line
    assert "safety" not in plan.title.lower(), "a glance at the partner's own list should not give it away"
    assert "never shown to the other partner" in plan.purpose
    code_word = next(p for p in plan.prompts if p.key == "code_word")
    assert code_word.type == "single_choice" and "don't write the word" in code_word.help


def test_the_new_exercises_sync_once_with_their_declarations_on_the_version(app, builtin_files):
    first = sync_builtins(builtin_files)
    assert set(NEW_SLUGS) <= set(first.added)
    again = sync_builtins(builtin_files)
    assert (again.added, again.updated) == ([], [])
    for slug in NEW_SLUGS:
        exercise = db.session.scalar(select(Exercise).where(Exercise.slug == slug))
        assert exercise.is_builtin and [v.number for v in exercise.versions] == [1]
        version = exercise.latest
        assert version.content == builtin_files[slug]
        assert {flag for flag in FLAGS if getattr(version, flag)} == DECLARED[slug]
