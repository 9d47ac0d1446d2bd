"""A URL leads to one file: the README's table from URL prefix to file is the truth about routing."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONVERTER = re.compile(r"<[^>]+>")


def url_table() -> dict[str, tuple[set[str], str]]:
    """{prefix: (blueprints, file)} from the README's "A URL leads to one file" table."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("**A URL leads to one file.**"):]
    table = {}
    for line in section.splitlines()[1:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[2].startswith("`practice/"):
            if table and not line.startswith("|"):
                break
            continue
        prefixes, blueprints, file = (re.findall(r"`([^`]+)`", cell) for cell in cells)
        for prefix in prefixes:
            table[prefix] = (set(blueprints), file[0])
    return table


def normalised(rule: str) -> str:
    return CONVERTER.sub("<id>", rule)


def covers(prefix: str, rule: str) -> bool:
    return rule == prefix or (prefix != "/" and rule.startswith(prefix.rstrip("/") + "/"))


def owner(table, rule: str) -> str | None:
    matching = [prefix for prefix in table if covers(prefix, normalised(rule))]
    return max(matching, key=len) if matching else None


def test_every_route_is_served_from_the_file_its_prefix_names(app):
    table = url_table()
    wrong, unlisted, used = [], [], set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        prefix = owner(table, rule.rule)
        if prefix is None:
            unlisted.append(rule.rule)
            continue
        used.add(prefix)
        blueprints, file = table[prefix]
        view = inspect.unwrap(app.view_functions[rule.endpoint])
        served_from = Path(inspect.getsourcefile(view)).resolve().relative_to(ROOT).as_posix()
        if served_from != file or rule.endpoint.split(".")[0] not in blueprints:
            wrong.append(f"{rule.rule}: {rule.endpoint} in {served_from}; the table: {sorted(blueprints)} in {file}")
    assert unlisted == [] and wrong == []
    assert sorted(set(table) - used) == [], "rows that name no route"


def test_the_table_is_read_and_the_longest_prefix_wins():
    table = url_table()
    assert len(table) > 20
    assert owner(table, "/couples/<int:couple_id>/audit") == "/couples/<id>/audit"
    assert owner(table, "/couples/<int:couple_id>/edit") == "/couples"
    assert owner(table, "/nowhere") is None and owner(table, "/practiceX") is None
