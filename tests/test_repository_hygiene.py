"""The tree holds no half-resolved merge: a conflict marker in a stylesheet silently drops every rule after it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.M)
TEXT = {".py", ".html", ".txt", ".css", ".js", ".md", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".json", ""}


def test_no_file_holds_a_merge_conflict_marker():
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.split()
    files = [ROOT / name for name in listed] or [p for p in ROOT.rglob("*") if ".venv" not in p.parts]
    offenders = [
        str(path.relative_to(ROOT)) for path in files
        if path.is_file() and path.suffix in TEXT and MARKER.search(path.read_text(errors="ignore"))
    ]
    assert offenders == []
