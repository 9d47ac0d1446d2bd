"""Fill a PDF template and render it: the calls the session summaries and the record export need."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from time import perf_counter
from typing import Any

from flask import current_app, render_template
from jinja2 import Template

from practice.domain import PageSize
from practice.pdf.render import RenderLimits, RenderTimings, render_pdf, render_pdf_bounded, render_pdfs_bounded


def render_document(
    template: str | Template,
    *,
    page_size: PageSize | str = PageSize.A4,
    bounded: bool = True,
    timings: RenderTimings | None = None,
    **context: Any,
) -> bytes:
    """Render a template extending pdf/base.html to PDF bytes, within the configured limits.

    `bounded` (the default for anything a request or job asks for) renders in a time- and memory-capped
    child process; `timings`, if given, is filled with where the time went.
    """
    timings = timings if timings is not None else RenderTimings()
    started = perf_counter()
    html = fill_document(template, page_size=page_size, **context)
    timings.html = perf_counter() - started
    render = render_pdf_bounded if bounded else render_pdf
    return render(html, limits=RenderLimits.from_config(current_app.config), timings=timings)


def fill_document(template: str | Template, *, page_size: PageSize | str = PageSize.A4, **context: Any) -> str:
    """The HTML of a template extending pdf/base.html, ready for a renderer."""
    return render_template(template, page_size=PageSize(page_size), **context)


def render_documents(htmls: Iterable[str]) -> Iterator[bytes]:
    """PDFs of many filled documents, in order, each bounded, `PDF_RENDER_PARALLEL` at a time.

    The HTML is read lazily: pass a generator so the next document is filled
    while the ones before it are laid out.
    """
    config = current_app.config
    parallel = config["PDF_RENDER_PARALLEL"] or usable_cores()
    return render_pdfs_bounded(htmls, limits=RenderLimits.from_config(config), parallel=parallel)


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
