"""The built-in exercise files: every one loads, together they cover the product, bad ones say why."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from practice.domain import Area, Stage, Strategy
from practice.library.loader import BUILTIN_DIR, LibraryFileError, load_builtins, load_file
from practice.models.exercise_content import PROMPT_TYPES, ExerciseContent
from tests.factories import exercise_content


def test_every_builtin_file_loads_through_the_real_loader():
    files = sorted(BUILTIN_DIR.glob("*.yaml"))
    loaded = load_builtins()
    assert len(files) >= 18
    assert sorted(loaded) == [path.stem for path in files]
    for path in files:
        assert load_file(path) == loaded[path.stem]


def test_the_builtins_cover_every_area_strategy_and_stage(builtin_files):
    exercises = list(builtin_files.values())
    areas = Counter(area for e in exercises for area in e.areas)
    strategies = Counter(e.strategy for e in exercises)
    stages = Counter(e.stage for e in exercises)
    assert len(exercises) >= 18
    assert all(areas[area] >= 1 for area in Area), areas
    assert all(strategies[strategy] >= 1 for strategy in Strategy), strategies
    assert all(stages[stage] >= 4 for stage in Stage), stages


def test_the_builtins_use_every_prompt_type(builtin_files):
    used = set()
    for exercise in builtin_files.values():
        for prompt in exercise.prompts:
            used.add(prompt.type)
            used.update(field.type for field in getattr(prompt, "fields", []))
    assert used == set(PROMPT_TYPES)


def test_the_exercises_the_issue_names_are_there(builtin_files):
    trust = builtin_files["trust-repair-after-betrayal"]
    assert [r.key for r in trust.roles] == ["hurt", "hurting"]
    hurt = {p.key for p in trust.prompts_for("hurt")}
    hurting = {p.key for p in trust.prompts_for("hurting")}
    assert hurt - hurting and hurting - hurt, "each role has prompts of its own"
    assert builtin_files["mood-and-self-care-check"].show_crisis_resources
    for log in ("daily-gratitude-log", "daily-affection-log"):
        assert any(p.type == "daily_log" for p in builtin_files[log].prompts)
    for slug in ("seeing-our-cycle", "the-feeling-underneath", "fears-and-longings", "reaching-for-your-partner",
                 "listening-to-understand", "planning-time-together", "deeper-conversation-questions",
                 "needs-and-boundaries", "trying-something-new-together", "sexual-intimacy-reflection",
                 "being-seen-as-you-are", "repair-after-a-rocky-moment", "our-story-of-getting-out",
                 # issue 14, §4 (what each declares: tests/test_library_new_exercises.py)
                 "reaching-each-other-a-private-rating", "what-helps-me-stay", "raw-spots",
                 "injury-repair-step-1-telling-the-hurt", "injury-repair-step-2-after-the-apology",
                 "injury-repair-step-3-when-images-come-back", "what-stayed-with-me", "rituals-of-connection",
                 "when-the-old-cycle-returns", "private-safety-plan"):
        assert slug in builtin_files


def write(directory: Path, name: str, data) -> Path:
    path = directory / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def good_file(slug: str = "a-good-one") -> dict:
    return {"slug": slug} | exercise_content().as_data()


def broken(change) -> dict:
    data = good_file("broken-one")
    change(data)
    return data


def add_prompt(prompt: dict):
    return lambda data: data["prompts"].append(prompt)


@pytest.mark.parametrize("change, reason", [
    (lambda d: d.update(colour="teal"), "colour: This isn't a setting an exercise can have."),
    (lambda d: d["prompts"][0].update(type="essay"), "prompts[0] (noticed): “essay” isn't a question type"),
    (add_prompt({"key": "noticed", "type": "short_text", "label": "Again?"}),
     "prompts: Each question needs its own short name; “noticed” is used twice."),
    (add_prompt({"key": "pick", "type": "single_choice", "label": "Pick", "options": [{"value": "a", "label": "A"}]}),
     "prompts[1] (pick).options: Please add at least 2 options."),
    (lambda d: d.update(minutes=500), "minutes: Please enter a whole number from 5 to 120."),
    (lambda d: d.update(areas=["gardening"]), "areas[0]: Please choose one of:"),
    (lambda d: d.pop("title"), "title: This is required."),
    (lambda d: d.update(instructions="Read <b>this</b>"), "instructions: Please use Markdown rather than HTML"),
    (lambda d: d.update(slug="another-name"), "slug: “another-name” should match the file name “broken-one”."),
], ids=["unknown key", "bad type", "duplicate prompt key", "too few options", "minutes", "area",
        "missing title", "html", "slug"])
def test_a_malformed_file_fails_with_its_name_and_the_reason(tmp_path, change, reason):
    write(tmp_path, "a-good-one.yaml", good_file())
    write(tmp_path, "broken-one.yaml", broken(change))
    with pytest.raises(LibraryFileError) as caught:
        load_builtins(tmp_path)
    assert f"broken-one.yaml: {reason}" in str(caught.value)
    assert "a-good-one" not in str(caught.value)


def test_every_bad_file_is_reported_not_just_the_first(tmp_path):
    write(tmp_path, "first.yaml", "slug: first\ntitle: [unclosed")
    write(tmp_path, "second.yaml", "- just\n- a list\n")
    with pytest.raises(LibraryFileError) as caught:
        load_builtins(tmp_path)
    problems = caught.value.problems
    assert problems[0].startswith("first.yaml: this is not readable YAML")
    assert problems[1] == "second.yaml: the file should hold one exercise, as a mapping of settings."


def test_defaults_are_filled_in_so_spelling_them_out_changes_nothing():
    plain = exercise_content()
    spelled = exercise_content(show_crisis_resources=False, prompts=[
        {"type": "long_text", "label": "What did you notice?", "key": "noticed", "required": True, "max_length": 4000}
    ])
    assert plain.as_data()["prompts"][0]["max_length"] == 4000
    assert plain.content_hash() == spelled.content_hash()
    assert exercise_content(title="Another title").content_hash() != plain.content_hash()


def test_limits_that_only_make_sense_together():
    with pytest.raises(ValueError, match="more than the number of options"):
        exercise_content(prompts=[{"key": "k", "type": "multi_choice", "label": "L", "max_choices": 3,
                                   "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]}])
    with pytest.raises(ValueError, match="exactly two roles"):
        exercise_content(roles=[{"key": "only", "label": "Only one"}])
    with pytest.raises(ValueError, match="role of their own"):
        exercise_content(prompts=[{"key": "log", "type": "daily_log", "label": "Each day",
                                   "fields": [{"key": "f", "type": "short_text", "label": "F", "role": "x"}]}])


def test_content_round_trips_through_its_stored_form(builtin_files):
    for content in builtin_files.values():
        assert ExerciseContent.model_validate(content.as_data()) == content
