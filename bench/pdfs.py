"""PDFs: Twofold's bounded render set against WeasyPrint's own time for the same HTML.

Each case returns a session document's template and context, read from the
small synthetic practice. The bounded path is what a request or a job pays
(`render_document`: Jinja, then a forked, capped child that lays out and
writes); the baseline is WeasyPrint called plainly on the already-rendered
HTML in this process.
"""

from __future__ import annotations

import resource
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from time import perf_counter
from types import ModuleType

from flask import Flask, render_template
from weasyprint import HTML

from bench import charts_before
from practice.checkins import progress
from practice.documents import session_pdfs
from practice.domain import PageSize
from practice.extensions import db
from practice.models import TherapySession
from practice.pdf import RenderTimings, render_document
from practice.pdf.fetcher import ASSET_BASE_URL, AssetFetcher

RENDERS = 7


@dataclass(frozen=True)
class PdfCase:
    """A document to time: `make(app, ids)` returns its template and context."""

    name: str
    make: Callable[[Flask, dict], tuple[str, dict]]


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


def measure(app: Flask, case: PdfCase, ids: dict) -> PdfResult:
    """Median of RENDERS bounded renders, and of RENDERS plain WeasyPrint renders of the same HTML.

    The two alternate, so a machine that speeds up or slows down during the
    run (this one is shared) weighs on both alike.
    """
    runs, own = [], []
    with app.test_request_context():
        template, context = case.make(app, ids)
        html = render_template(template, page_size=PageSize.A4, **context)
        render_document(template, **context)  # warm: fonts, print.css, the fork path
        _, pages = _plain(html)
        for _ in range(RENDERS):
            timings = RenderTimings()
            started = perf_counter()
            render_document(template, timings=timings, **context)
            runs.append((perf_counter() - started, timings))
            own.append(_plain(html)[0])
    total, timings = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    return PdfResult(
        name=case.name, pages=pages, html_ms=timings.html * 1000,
        layout_ms=timings.layout * 1000, write_ms=timings.write * 1000,
        process_ms=(total - timings.html - timings.weasyprint) * 1000, total_ms=total * 1000,
        weasyprint_ms=statistics.median(own) * 1000,
        child_max_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


@dataclass(frozen=True)
class ChartsResult:
    """A document made (context, charts, bounded render) with today's charts and with those from before."""

    name: str
    before_ms: float
    after_ms: float

    @property
    def ratio(self) -> float:
        return self.after_ms / self.before_ms


@contextmanager
def drawn_as_before(before: ModuleType) -> Iterator[None]:
    """Documents made inside draw their charts with `before` (bench.charts_before), as before issue 15."""
    saved = progress.trend_chart, session_pdfs.completion_chart
    progress.trend_chart, session_pdfs.completion_chart = before.trend_chart, before.completion_chart
    try:
        yield
    finally:
        progress.trend_chart, session_pdfs.completion_chart = saved


def compare_charts(app: Flask, case: PdfCase, ids: dict) -> ChartsResult | None:
    """Median of RENDERS makes with each drawing, alternating, after one warm make of each (None without git)."""
    charts = charts_before.load()
    if charts is None:
        return None
    times: dict[bool, list[float]] = {False: [], True: []}

    def make(before: bool) -> float:
        started = perf_counter()
        with drawn_as_before(charts) if before else nullcontext():
            template, context = case.make(app, ids)
            render_document(template, **context)
        return perf_counter() - started

    with app.test_request_context():
        make(False), make(True)
        for _ in range(RENDERS):
            for before in (False, True):
                times[before].append(make(before))
    return ChartsResult(case.name, before_ms=statistics.median(times[True]) * 1000,
                        after_ms=statistics.median(times[False]) * 1000)


def _plain(html: str) -> tuple[float, int]:
    """Seconds for WeasyPrint called plainly, in this process, on the same HTML; and its pages."""
    started = perf_counter()
    document = HTML(string=html, base_url=ASSET_BASE_URL, url_fetcher=AssetFetcher()).render()
    document.write_pdf()
    return perf_counter() - started, len(document.pages)


def clinician_copy(app: Flask, ids: dict) -> tuple[str, dict]:
    """The clinician copy of the benched couple's last signed session: notes, answers side by side, charts."""
    return session_pdfs.clinician_document(_signed_session(ids))


def couple_handout(app: Flask, ids: dict) -> tuple[str, dict]:
    """The couple's handout of the same session."""
    return session_pdfs.handout_document(_signed_session(ids))


def _signed_session(ids: dict) -> TherapySession:
    return db.session.get(TherapySession, ids["signed_session"])
