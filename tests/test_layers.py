"""Imports point down the layers, and no two packages import each other.

The layers, lowest first, are drawn in the README's design section. A module
may import from its own layer or any layer below it; within a layer, the
packages (and the loose modules) form no cycle. Imports inside functions
count: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "practice"

# (layer, the modules in it by dotted prefix). The longest matching prefix decides.
FEATURES = ("auth", "practices", "couples", "library", "homework", "checkins", "sessions", "documents", "records",
            "portal", "jobs", "audit_pages", "main")
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # The declarative base and the outbox table belong with the platform pieces built on them. The
    # outbox names whom a message concerns by foreign keys to model tables, as strings, never imports.
    ("platform", ("practice.extensions", "practice.platform", "practice.models.base", "practice.models.mail")),
    ("models", ("practice.domain", "practice.models")),
    ("web", ("practice.web", "practice.pdf")),
    ("rules", ("practice.sharing", "practice.authz", "practice.rules", "practice.audit")),
    ("features", tuple(f"practice.{name}" for name in FEATURES)),
    ("app", ("practice", "practice.cli", "practice.demo")),
]
# What STYLE.md keeps at the top of the package; everything else lives in a package named for what it is.
TOP_LEVEL_MODULES = {"__init__.py", "extensions.py", "domain.py", "authz.py", "sharing.py"}
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def layer_of(module: str) -> str:
    best, best_length = "", -1
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            matches = module == prefix or (prefix != "practice" and module.startswith(prefix + "."))
            if matches and len(prefix) > best_length:
                best, best_length = name, len(prefix)
    return best


def unit_of(module: str) -> str:
    """What a cycle is counted between: a feature package, a module of the shared packages, or the app.

    The app is one room: the factory registers the commands, and `flask doctor`
    builds an app to examine it. The models are one room too, as their
    relationships name each other.
    """
    parts = module.split(".")
    if layer_of(module) == "app":
        return "practice"
    if parts[:2] == ["practice", "models"]:
        return "practice.models"
    if len(parts) > 2 and parts[1] in ("platform", "web", "rules"):
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    found = []
    for name in names:
        if name == "practice" or name.startswith("practice."):
            while name not in MODULES and "." in name:
                name = name.rsplit(".", 1)[0]
            found.append(name)
    return found


def arrows() -> set[tuple[str, str]]:
    edges = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges.update((module, target) for target in imported(module, node) if target != module)
    return edges


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one unit (Tarjan)."""
    graph = defaultdict(set)
    for source, target in edges:
        if unit_of(source) != unit_of(target):
            graph[unit_of(source)].add(unit_of(target))
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward(edges: set[tuple[str, str]]) -> list[str]:
    return sorted(f"{source} ({layer_of(source)}) -> {target} ({layer_of(target)})"
                  for source, target in edges if RANK[layer_of(target)] > RANK[layer_of(source)])


def test_every_module_has_a_layer():
    """A new package is placed in a layer on purpose: the layers above name every one."""
    assert sorted(module for module in MODULES if not layer_of(module)) == []


def test_only_what_style_keeps_there_sits_at_the_top_of_the_package():
    assert {path.name for path in PACKAGE.glob("*.py")} == TOP_LEVEL_MODULES


def test_imports_point_down_the_layers():
    assert upward(arrows()) == []


def test_no_two_packages_import_each_other():
    assert cycles(arrows()) == []


def test_the_checks_see_an_upward_arrow_and_a_cycle():
    """The rules above are only worth their silence if they can fail."""
    assert layer_of("practice.models.couples") == "models" and layer_of("practice.couples.views") == "features"
    assert layer_of("practice.models.mail") == "platform" and layer_of("practice.cli.doctor") == "app"
    assert layer_of("practice.newthing.views") == "" and layer_of("practice.authzz") == ""
    edges = {("practice.platform.mail", "practice.couples.services"), ("practice.couples.views", "practice.models")}
    assert upward(edges) == ["practice.platform.mail (platform) -> practice.couples.services (features)"]
    assert cycles({("practice.sessions.a", "practice.records.b"), ("practice.records.c", "practice.sessions.d")}) == [
        ["practice.records", "practice.sessions"]]
    assert cycles({("practice.web.a", "practice.web.b"), ("practice.web.b", "practice.web.a")}) == [
        ["practice.web.a", "practice.web.b"]]
    assert ("practice.platform.database", "practice.extensions") in arrows()
