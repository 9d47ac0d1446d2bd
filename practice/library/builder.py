"""The builder's buttons without JavaScript: add, remove and move prompts, then show the form again.

Every button posts the whole form with `action=<verb>:<args>`. A change is
made on the submitted data itself, renumbering the list's keys
(`prompts-3-label` becomes `prompts-2-label`), so everything typed anywhere
on the page, even what is not yet valid, comes back exactly as it was.
Nothing is saved until the Save button.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from practice.models.exercise_content import MAX_LOG_FIELDS, MAX_PROMPTS, PROMPT_TYPES

LOG_FIELD_TYPES = tuple(kind for kind in PROMPT_TYPES if kind != "daily_log")


@dataclass(frozen=True)
class Action:
    """A builder button: `verb` applied to the list named `target` (prompts, or one daily log's fields)."""

    verb: str
    target: str = "prompts"
    index: int = 0
    kind: str = ""


def parse_action(value: str | None) -> Action | None:
    """The button pressed (Save when none, as when Enter is pressed); None for anything not ours."""
    verb, *args = (value or "save").split(":")
    match verb, args:
        case ("save" | "refresh"), []:
            return Action(verb)
        case "add", [kind] if kind in PROMPT_TYPES:
            return Action("add", kind=kind)
        case ("remove" | "up" | "down"), [index] if index.isdecimal():
            return Action(verb, index=int(index))
        case "add_field", [prompt, kind] if prompt.isdecimal() and kind in LOG_FIELD_TYPES:
            return Action("add", f"prompts-{int(prompt)}-fields", kind=kind)
        case ("remove_field" | "up_field" | "down_field"), [prompt, index] if prompt.isdecimal() and index.isdecimal():
            return Action(verb.removesuffix("_field"), f"prompts-{int(prompt)}-fields", int(index))
    return None


def apply_action(formdata: MultiDict, action: Action) -> MultiDict:
    """The submitted data with the action's change made, ready to build the form from again."""
    rest, entries = _split(formdata, action.target)
    if action.verb == "add" and len(entries) < _limit(action.target):
        entries.append(_new_entry(action.kind))
    elif action.verb == "remove" and action.index < len(entries):
        del entries[action.index]
    elif action.verb in ("up", "down"):
        other = action.index + (1 if action.verb == "down" else -1)
        if 0 <= other < len(entries) and action.index < len(entries):
            entries[action.index], entries[other] = entries[other], entries[action.index]
    return _join(action.target, rest, entries)


def _limit(target: str) -> int:
    return MAX_PROMPTS if target == "prompts" else MAX_LOG_FIELDS


def _new_entry(kind: str) -> list[tuple[str, str]]:
    entry = [("type", kind), ("required", "y")]
    if kind == "daily_log":
        entry += [("days", "7"), ("fields-0-type", "short_text"), ("fields-0-required", "y")]
    return entry


def _split(formdata: MultiDict, target: str) -> tuple[list[tuple[str, str]], list[list[tuple[str, str]]]]:
    """(items outside the list, each entry's items keyed relative to the entry), in the submitted order."""
    pattern = re.compile(rf"^{re.escape(target)}-(\d+)-(.+)$")
    rest: list[tuple[str, str]] = []
    entries: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for key, value in formdata.items(multi=True):
        match = pattern.match(key)
        if match:
            entries[int(match[1])].append((match[2], value))
        else:
            rest.append((key, value))
    return rest, [entries[index] for index in sorted(entries)]


def _join(target: str, rest: list[tuple[str, str]], entries: list[list[tuple[str, str]]]) -> MultiDict:
    items = list(rest)
    for index, entry in enumerate(entries):
        items += [(f"{target}-{index}-{key}", value) for key, value in entry]
    return MultiDict(items)
