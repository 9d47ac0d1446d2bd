"""PDFs: Twofold's bounded render set against WeasyPrint's own time for the same HTML.

Each case builds a template and its context. The bounded path is what a
request or a job pays (`render_document`: Jinja, then a forked, capped child
that lays out and writes); the baseline is WeasyPrint called plainly on the
already-rendered HTML in this process.
"""

from __future__ import annotations

import resource
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from flask import Flask, render_template
from jinja2 import Template
from weasyprint import HTML

from practice.domain import PageSize
from practice.pdf import RenderTimings, render_document
from practice.pdf.charts import Completion, Series, completion_chart, trend_chart
from practice.pdf.fetcher import ASSET_BASE_URL, AssetFetcher

RENDERS = 5
LETTERHEAD = {"name": "Harbour Couples Practice", "address": "12 Quay Street\nBristol BS1 4DJ", "phone": "0117 496 0000"}


@dataclass(frozen=True)
class PdfCase:
    """A document to time: `make(app)` returns its template and context."""

    name: str
    make: Callable[[Flask], tuple[Template, dict]]


@dataclass(frozen=True)
class PdfResult:
    name: str
    pages: int
    html_ms: float
    layout_ms: float
    write_ms: float
    process_ms: float
    total_ms: float
    weasyprint_ms: float
    child_max_rss_mb: float

    @property
    def ratio(self) -> float:
        return self.total_ms / self.weasyprint_ms


def measure(app: Flask, case: PdfCase) -> PdfResult:
    """Median of RENDERS bounded renders, and of RENDERS plain WeasyPrint renders of the same HTML."""
    with app.test_request_context():
        template, context = case.make(app)
        render_document(template, **context)  # warm: fonts, print.css, the fork path
        runs = []
        for _ in range(RENDERS):
            timings = RenderTimings()
            started = perf_counter()
            render_document(template, timings=timings, **context)
            runs.append((perf_counter() - started, timings))
        html = render_template(template, page_size=PageSize.A4, **context)
    own, pages = [], 0
    for _ in range(RENDERS):
        started = perf_counter()
        document = HTML(string=html, base_url=ASSET_BASE_URL, url_fetcher=AssetFetcher()).render()
        document.write_pdf()
        own.append(perf_counter() - started)
        pages = len(document.pages)
    middle = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    total, timings = middle
    return PdfResult(
        name=case.name, pages=pages, html_ms=timings.html * 1000, layout_ms=timings.layout * 1000,
        write_ms=timings.write * 1000, process_ms=(total - timings.html - timings.weasyprint) * 1000,
        total_ms=total * 1000, weasyprint_ms=statistics.median(own) * 1000,
        child_max_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def sample_summary(app: Flask) -> tuple[Template, dict]:
    """A three-page clinician copy: facts, two charts, twelve prompts with both answers, notes."""
    source = (Path(__file__).parent / "templates" / "sample_summary.html").read_text()
    weeks = [f"W{n}" for n in range(1, 9)]
    context = {
        "practice": LETTERHEAD, "confidential": True, "number": 8, "couple": "Zoë & Łukasz",
        "date": "3 Nov 2026", "clinician": "Dr. Amara Reyes, MFT", "partners": ("Zoë", "Łukasz"),
        "trend": trend_chart(weeks, [Series("Zoë", [2, 3, 3, None, 4, 4, 5, 5]), Series("Łukasz", [1, 2, 2, 3, 3, None, 4, 5])],
                             title="Closeness"),
        "completion": completion_chart(weeks, [Series("Homework", [Completion(n % 3, 2) for n in range(8)])],
                                       title="Homework"),
        "prompts": [f"Prompt {n}: when did you feel closest to your partner this week, and what helped?"
                    for n in range(1, 13)],
        "answers": ("When Sam's voice gets sharper I go quiet and find something to fix in the garage.\n"
                    "Inside I'm not calm at all: I'm scared that whatever I say will make it worse.",
                    "I keep asking and asking because the silence feels like Alex is leaving.\n"
                    "Underneath the frustration I'm lonely, and I want to know I still matter."),
        "notes": ["Both named the cycle without blame. Practised the pause and return twice in session."] * 6,
    }
    return app.jinja_env.from_string(source), context
