"""Built-in exercises: YAML files in `builtin/`, read and checked against the schema."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from practice.models.exercise_content import ExerciseContent, ExerciseFile, describe, location

BUILTIN_DIR = Path(__file__).parent / "builtin"


class LibraryFileError(Exception):
    """Exercise files that break the rules; each problem names its file and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_builtins(directory: Path | None = None) -> dict[str, ExerciseContent]:
    """Every exercise file in `directory` (the packaged ones by default) by slug, or one error listing every bad file."""
    exercises: dict[str, ExerciseContent] = {}
    problems: list[str] = []
    for path in sorted((directory or BUILTIN_DIR).glob("*.yaml")):
        try:
            exercises[path.stem] = load_file(path)
        except LibraryFileError as error:
            problems.extend(error.problems)
    if problems:
        raise LibraryFileError(problems)
    return exercises


def load_file(path: Path) -> ExerciseContent:
    """One exercise file, validated; its slug must match its file name."""
    data = _read_yaml(path)
    try:
        exercise = ExerciseFile.model_validate(data)
    except ValidationError as error:
        raise LibraryFileError(
            [f"{path.name}: {_where(data, location(e))}: {describe(e)}" for e in error.errors()]
        ) from None
    if exercise.slug != path.stem:
        raise LibraryFileError([f"{path.name}: slug: “{exercise.slug}” should match the file name “{path.stem}”."])
    return exercise.content()


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        reason = " ".join(str(error).split())
        raise LibraryFileError([f"{path.name}: this is not readable YAML: {reason}"]) from None
    if not isinstance(data, dict):
        raise LibraryFileError([f"{path.name}: the file should hold one exercise, as a mapping of settings."])
    return data


def _where(data: dict, path: tuple[str | int, ...]) -> str:
    """`prompts[2] (hurt_needs).options`: the error's place, with prompt keys for people."""
    parts: list[str] = []
    node: object = data
    for part in path:
        node = _child(node, part)
        if isinstance(part, int) and parts:
            key = node.get("key") if isinstance(node, dict) else None
            parts[-1] += f"[{part}]" + (f" ({key})" if isinstance(key, str) else "")
        else:
            parts.append(str(part))
    return ".".join(parts) or "the file"


def _child(node: object, part: str | int) -> object:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return node[part]
    return None
