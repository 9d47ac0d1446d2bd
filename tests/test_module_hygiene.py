"""Modules behave as their names say: importing one changes nothing global, and a name keeps one meaning."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "practice"

PROBE = """
from sqlalchemy import event
from sqlalchemy.orm import Session
import practice.audit, practice.platform.mail, practice.platform.database, practice.jobs.views
from practice.audit.chain import seal_new_events
from practice.platform.database import _refuse_flush_outside_writing, _stray_write_settled
from practice.platform.mail import _forget_rolled_back, _queue_committed
hooks = [("before_flush", seal_new_events), ("before_flush", _refuse_flush_outside_writing),
         ("after_commit", _stray_write_settled), ("after_commit", _queue_committed),
         ("after_rollback", _forget_rolled_back)]
print([event.contains(Session, name, hook) for name, hook in hooks])
from config import TestConfig
from practice import create_app
create_app(TestConfig)
print([event.contains(Session, name, hook) for name, hook in hooks])
"""


def test_the_session_hooks_are_installed_by_the_factory_and_not_by_importing_their_modules():
    ran = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    imported, built = ran.stdout.splitlines()[-2:]
    assert imported == str([False] * 5) and built == str([True] * 5)


def test_no_module_that_uses_flasks_session_rebinds_the_name():
    """`session` is the signed cookie wherever Flask's is imported: a therapy session there has another name."""
    rebound = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        imports_it = any(isinstance(node, ast.ImportFrom) and node.module == "flask"
                         and any(alias.name == "session" and alias.asname is None for alias in node.names)
                         for node in ast.walk(tree))
        if imports_it:
            rebound += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                        if isinstance(node, ast.Name) and node.id == "session" and isinstance(node.ctx, ast.Store)]
    assert rebound == []


def test_only_the_unit_of_work_commits():
    """Services say "this writes" with writing(); nothing else in the package commits a session or a connection."""
    committing = [f"{path.relative_to(PACKAGE)}:{node.lineno}" for path in PACKAGE.rglob("*.py")
                  for node in ast.walk(ast.parse(path.read_text()))
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"]
    assert {place.partition(":")[0] for place in committing} == {"platform/database.py"}, committing


def test_tests_import_their_support_from_modules_named_for_it_never_from_conftest():
    tests = Path(__file__).resolve().parent
    leaning = [path.name for path in tests.rglob("*.py") if "from tests.conftest import" in path.read_text()
               and path.name != Path(__file__).name]
    assert leaning == []
