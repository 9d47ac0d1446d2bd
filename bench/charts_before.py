"""The charts as drawn before issue 15, read from git: the "today" the new ones are measured against.

`bench.pdfs.compare_charts` renders the same documents with these swapped in
for `practice.pdf.charts`' functions, interleaved with the current ones, so
the speed-up is measured in one run on one machine. The module is taken from
the commit before the charts were redrawn rather than kept as a copy, so the
bench measures exactly what ran then and the tree holds one chart module.
Without the git history (an export of the tree) the comparison is skipped.
"""

from __future__ import annotations

import subprocess  # nosec B404: git, with fixed arguments
import sys
from pathlib import Path
from types import ModuleType

BASELINE = "de4c07f20d78d10e46f2b637db20dfed337097e6"  # the last commit with the charts as before
SOURCE = "practice/pdf/charts.py"
_ROOT = Path(__file__).resolve().parent.parent


def load() -> ModuleType | None:
    """The chart module as it was at BASELINE, or None where git or that commit is not at hand."""
    try:
        source = subprocess.run(["git", "show", f"{BASELINE}:{SOURCE}"], cwd=_ROOT, capture_output=True,  # nosec B603 B607
                                text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    module = ModuleType("bench_charts_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up by name
    exec(compile(source, f"{BASELINE[:7]}:{SOURCE}", "exec"), module.__dict__)  # nosec B102: our own past code
    return module
