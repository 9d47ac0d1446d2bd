"""Syncing the built-in files into the database: idempotent, versioned, never deleting."""

from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import func, select

from practice.extensions import db
from practice.library import loader
from practice.library.loader import BUILTIN_DIR, load_builtins
from practice.library.services import sync_builtins
from practice.models import Exercise, ExerciseVersion

SOME = ("seeing-our-cycle", "daily-gratitude-log", "needs-and-boundaries")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def builtin(slug: str) -> Exercise:
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug))


@pytest.fixture()
def library_dir(tmp_path):
    """A copy of a few built-in files that a test may change."""
    for slug in SOME:
        shutil.copy(BUILTIN_DIR / f"{slug}.yaml", tmp_path)
    return tmp_path


def edit(path, **changes) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump(data | changes, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_sync_twice_adds_everything_once(builtin_files):
    first = sync_builtins(builtin_files)
    assert sorted(first.added) == sorted(builtin_files)
    second = sync_builtins(builtin_files)
    assert (second.added, second.updated, second.retired) == ([], [], [])
    assert second.unchanged == len(builtin_files)
    assert count(Exercise) == count(ExerciseVersion) == len(builtin_files)
    cycle = builtin("seeing-our-cycle")
    assert cycle.is_builtin and cycle.latest.number == 1
    assert cycle.latest.content == builtin_files["seeing-our-cycle"]


def test_a_changed_file_adds_one_version_and_keeps_the_old_one(library_dir):
    sync_builtins(load_builtins(library_dir))
    old_title = builtin("seeing-our-cycle").latest.title
    edit(library_dir / "seeing-our-cycle.yaml", title="Seeing our cycle, gently")

    report = sync_builtins(load_builtins(library_dir))
    assert report.updated == ["seeing-our-cycle (version 2)"]
    assert report.unchanged == 2
    exercise = builtin("seeing-our-cycle")
    assert [v.number for v in exercise.versions] == [1, 2]
    assert exercise.versions[0].title == old_title
    assert exercise.latest.title == "Seeing our cycle, gently"
    assert builtin("needs-and-boundaries").latest_number == 1

    assert sync_builtins(load_builtins(library_dir)).updated == []
    assert count(ExerciseVersion) == 4


def test_a_removed_file_retires_the_exercise_and_a_returning_one_restores_it(library_dir):
    sync_builtins(load_builtins(library_dir))
    kept = library_dir.parent / "kept.yaml"
    shutil.move(library_dir / "daily-gratitude-log.yaml", kept)

    assert sync_builtins(load_builtins(library_dir)).retired == ["daily-gratitude-log"]
    log = builtin("daily-gratitude-log")
    assert log.is_retired and len(log.versions) == 1
    assert sync_builtins(load_builtins(library_dir)).retired == []

    shutil.move(kept, library_dir / "daily-gratitude-log.yaml")
    assert sync_builtins(load_builtins(library_dir)).restored == ["daily-gratitude-log"]
    db.session.refresh(log)
    assert not log.is_retired and log.latest_number == 1


def test_the_cli_prints_what_changed(runner, monkeypatch, library_dir):
    monkeypatch.setattr(loader, "BUILTIN_DIR", library_dir)
    first = runner.invoke(args=["library", "sync"])
    assert first.exit_code == 0, first.output
    assert "Added: daily-gratitude-log, needs-and-boundaries, seeing-our-cycle" in first.output
    edit(library_dir / "needs-and-boundaries.yaml", minutes=25)
    second = runner.invoke(args=["library", "sync"])
    assert "New version: needs-and-boundaries (version 2)" in second.output
    assert "Unchanged: 2 built-in exercises." in second.output


def test_the_cli_refuses_a_malformed_file_and_changes_nothing(runner, monkeypatch, library_dir):
    (library_dir / "needs-and-boundaries.yaml").write_text("slug: needs-and-boundaries\nminutes: many\n")
    monkeypatch.setattr(loader, "BUILTIN_DIR", library_dir)
    result = runner.invoke(args=["library", "sync"])
    assert result.exit_code == 1
    assert "needs-and-boundaries.yaml: minutes: This should be a whole number." in result.output
    assert "needs-and-boundaries.yaml: title: This is required." in result.output
    assert count(Exercise) == 0


def test_seed_demo_syncs_the_library_first(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert count(Exercise) == len(list(BUILTIN_DIR.glob("*.yaml")))


def test_a_stored_version_can_never_be_rewritten(builtins):
    version = builtin("seeing-our-cycle").latest
    version.title = "Rewritten"
    with pytest.raises(ValueError, match="never change"):
        db.session.flush()
    db.session.rollback()
