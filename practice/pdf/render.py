"""HTML to PDF with WeasyPrint, bounded in input size, and optionally in time and memory.

`render_pdf` renders in this process. `render_pdf_bounded` forks a child
(warmed once: WeasyPrint imported, our fonts and print.css loaded), caps the
child's address space with RLIMIT_AS and kills it at the wall-time limit, so
one pathological record costs a domain error, never a worker. The child is
forked from the calling process, or, where a render server runs
(practice.pdf.render_server: the job worker starts one before its threads),
from that single-threaded server, so a lock another thread holds can never
hang it. `render_pdfs_bounded` does the same for many documents, with
several children at once, so a long export uses every core.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import resource
import signal
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from math import ceil
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from time import perf_counter
from typing import Any

from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration

from practice.pdf.errors import PdfError, PdfOutOfMemory, PdfTimeout, PdfTooLarge
from practice.pdf.fetcher import ASSET_BASE_URL, AssetFetcher

log = logging.getLogger(__name__)

# Children are forked from the worker itself: no interpreter start and no
# re-import of the main script (forkserver and spawn pay both on Python 3.11),
# and they inherit the font configuration warmed by _inherited_font_config.
_FORK = multiprocessing.get_context("fork")

# Rendered once per process before the first fork; touches both fonts, bold and print.css.
WARMUP_HTML = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<link rel="stylesheet" href="print.css"></head>'
    "<body><h1>Zoë</h1><p>Łukasz, José, 李 <strong>Twofold</strong></p></body></html>"
)


@dataclass(frozen=True)
class RenderLimits:
    """How large, slow and memory-hungry one render may be."""

    max_html_bytes: int = 2 * 1024 * 1024
    timeout_seconds: float = 60.0
    memory_mb: int = 1024

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RenderLimits:
        """Read `PDF_MAX_HTML_BYTES`, `PDF_RENDER_TIMEOUT` and `PDF_RENDER_MEMORY_MB`."""
        return cls(
            max_html_bytes=config["PDF_MAX_HTML_BYTES"],
            timeout_seconds=config["PDF_RENDER_TIMEOUT"],
            memory_mb=config["PDF_RENDER_MEMORY_MB"],
        )


@dataclass
class RenderTimings:
    """Where one PDF's time went (seconds), so a benchmark can set it against WeasyPrint's own."""

    html: float = 0.0  # filling the Jinja template (render_document)
    layout: float = 0.0  # WeasyPrint: parse HTML and CSS, lay out pages
    write: float = 0.0  # WeasyPrint: write the PDF bytes
    process: float = 0.0  # starting, feeding and reaping the child (bounded renders)

    @property
    def weasyprint(self) -> float:
        """WeasyPrint's own share: layout and writing."""
        return self.layout + self.write

    @property
    def total(self) -> float:
        """Everything the caller waited for."""
        return self.html + self.weasyprint + self.process


DEFAULT_LIMITS = RenderLimits()


def render_pdf(
    html: str,
    *,
    base_url: str = ASSET_BASE_URL,
    limits: RenderLimits = DEFAULT_LIMITS,
    timings: RenderTimings | None = None,
) -> bytes:
    """Render HTML to PDF in this process, fetching nothing but our own assets."""
    check_size(html, limits)
    timings = timings if timings is not None else RenderTimings()
    return _render(html, base_url, timings, FontConfiguration())


def render_pdf_bounded(
    html: str,
    *,
    base_url: str = ASSET_BASE_URL,
    limits: RenderLimits = DEFAULT_LIMITS,
    timings: RenderTimings | None = None,
) -> bytes:
    """Render HTML to PDF in a forked child that cannot outlive or outgrow `limits`."""
    check_size(html, limits)
    return _finish(_start(html, base_url, limits), limits, timings)


def render_pdfs_bounded(
    htmls: Iterable[str],
    *,
    base_url: str = ASSET_BASE_URL,
    limits: RenderLimits = DEFAULT_LIMITS,
    parallel: int = 1,
) -> Iterator[bytes]:
    """Render many documents, each in its own bounded child, up to `parallel` at once; PDFs come in order.

    A child starts as soon as any finishes and `htmls` is read lazily, so a long document never holds up
    the rest; any failure stops the children still running and is raised as for one render.
    """
    running: list[_Child] = []
    finished: dict[int, bytes] = {}
    given = 0
    try:
        for index, html in enumerate(htmls):
            check_size(html, limits)
            while len(running) >= parallel:
                finished.update(_collect(running, limits))
                while given in finished:
                    yield finished.pop(given)
                    given += 1
            running.append(_start(html, base_url, limits, index))
        while running:
            finished.update(_collect(running, limits))
        yield from (finished[index] for index in sorted(finished))
    finally:
        for child in running:
            _close(child)


def _collect(running: list[_Child], limits: RenderLimits) -> list[tuple[int, bytes]]:
    """Wait until a child answers (or the soonest deadline passes); finish and drop those that did."""
    soonest = min(running, key=lambda child: child.deadline)
    ready = wait([child.receiver for child in running], timeout=max(0.0, soonest.deadline - perf_counter()))
    done = []
    for child in [child for child in running if child.receiver in ready] or [soonest]:
        running.remove(child)
        done.append((child.index, _finish(child, limits)))
    return done


@dataclass
class _Child:
    """A render under way: the connection it answers on, when it must be done, and who forked it.

    `process` is the child when this process forked it; with a render server
    it is None and `token` names the child to the server.
    """

    receiver: Connection
    started: float
    deadline: float
    index: int  # its place among the documents of one call
    process: BaseProcess | None = None
    token: int | None = None
    answered: bool = False


# How much longer than the time limit to wait for the render server's own "timeout" before giving up on it.
SERVER_SLACK_SECONDS = 2.0


def _start(html: str, base_url: str, limits: RenderLimits, index: int = 0) -> _Child:
    """Start a child that renders `html` within `limits`: through the render server if one runs, else forked here."""
    from practice.pdf import render_server

    started = perf_counter()
    if render_server.running():
        receiver, token = render_server.ask(html, base_url, limits)
        return _Child(receiver, started, started + limits.timeout_seconds + SERVER_SLACK_SECONDS, index,
                      token=token)
    font_config = _inherited_font_config()
    started = perf_counter()
    receiver, sender = _FORK.Pipe(duplex=False)
    process = _FORK.Process(target=_child_main, args=(sender, html, base_url, font_config, limits), daemon=True)
    process.start()
    sender.close()
    return _Child(receiver, started, started + limits.timeout_seconds, index, process=process)


def _finish(child: _Child, limits: RenderLimits, timings: RenderTimings | None = None) -> bytes:
    """Wait for the child's PDF (or its failure, as a domain error) and reap it."""
    timings = timings if timings is not None else RenderTimings()
    try:
        status, payload, (timings.layout, timings.write) = _receive(child, limits)
    finally:
        _close(child)
    timings.process = perf_counter() - child.started - timings.weasyprint
    return _result(status, payload, limits)


def _close(child: _Child) -> None:
    child.receiver.close()
    if child.process is not None:
        _stop(child.process)
    elif not child.answered:  # given up on (another document failed): the server kills it
        from practice.pdf import render_server

        render_server.cancel(child.token)


def check_size(html: str, limits: RenderLimits) -> None:
    """Refuse HTML over the size limit before any work is spent on it."""
    size = len(html.encode("utf-8"))
    if size > limits.max_html_bytes:
        raise PdfTooLarge(
            f"This document is too large to turn into a PDF ({_in_units(size)} of content; "
            f"the limit is {_in_units(limits.max_html_bytes)}). "
            "Try a shorter date range or fewer sessions."
        )


def _in_units(size: int) -> str:
    """A byte count as people read it: 2.0 MB or 3 KB."""
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{round(size / 1024)} KB"


def _render(
    html: str, base_url: str, timings: RenderTimings, font_config: FontConfiguration
) -> bytes:
    """Lay out and write one PDF, recording WeasyPrint's time in `timings`."""
    started = perf_counter()
    document = HTML(string=html, base_url=base_url, url_fetcher=AssetFetcher()).render(
        font_config=font_config
    )
    _drop_attachments(document)
    laid_out = perf_counter()
    pdf = document.write_pdf()
    timings.layout, timings.write = laid_out - started, perf_counter() - laid_out
    return pdf


def _drop_attachments(document: Document) -> None:
    """Embed no files: a summary never needs one, whatever `rel=attachment` says."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]


@cache
def _inherited_font_config() -> FontConfiguration:
    """Fonts and style sheets loaded once in this process, so every forked child starts warm."""
    font_config = FontConfiguration()
    _render(WARMUP_HTML, ASSET_BASE_URL, RenderTimings(), font_config)
    return font_config


def _child_main(
    conn: Connection,
    html: str,
    base_url: str,
    font_config: FontConfiguration,
    limits: RenderLimits,
) -> None:
    """In the child: cap memory and CPU, render, and send back the outcome."""
    # A child lives for one render. Python's cycle collector would walk every object
    # inherited from the worker, writing to each page it reads and so copying it: 10-25%
    # of a render's time, for no memory back (WeasyPrint's garbage is not cyclic; the
    # child's peak stays the same). The memory cap still applies.
    gc.disable()
    memory = _address_space() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # A backstop for an orphan whose worker was killed mid-render: the kernel
    # stops it once its CPU time passes the wall-time limit the parent enforces.
    cpu = ceil(limits.timeout_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    timings = RenderTimings()
    try:
        outcome = ("ok", _render(html, base_url, timings, font_config))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as error:  # every failure must reach the parent as a message
        log.exception("PDF render failed in the child process")
        outcome = ("error", type(error).__name__)
    conn.send((*outcome, (timings.layout, timings.write)))
    conn.close()


def _address_space() -> int:
    """This process's virtual size in bytes (Linux), so the memory limit is headroom above it."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except OSError:
        return 0
    return pages * resource.getpagesize()


def _receive(child: _Child, limits: RenderLimits) -> tuple:
    """The child's message, or the domain error for a child that overran or died."""
    if not child.receiver.poll(max(0.0, child.deadline - perf_counter())):
        raise _timeout(limits)
    try:
        message = child.receiver.recv()
    except EOFError:
        if child.process is None:  # the render server itself stopped
            raise PdfError("The PDF renderer stopped unexpectedly (its server has gone).") from None
        child.process.join()
        raise _death(child.process.exitcode, limits) from None
    child.answered = True
    if message[0] == "timeout":  # from the render server, which killed the child at the limit
        raise _timeout(limits)
    if message[0] == "exit":  # from the render server: the child died without a word
        raise _death(message[1], limits)
    return message


def _timeout(limits: RenderLimits) -> PdfTimeout:
    """The error for a render that ran past the wall-time limit."""
    return PdfTimeout(
        f"This PDF took longer than {limits.timeout_seconds:g} seconds to make, so it was "
        "stopped. Try a shorter date range or fewer sessions."
    )


def _death(exitcode: int | None, limits: RenderLimits) -> PdfError:
    """Explain a child that exited without a word (C code aborts when allocation fails)."""
    if exitcode == -signal.SIGXCPU:
        return _timeout(limits)
    if exitcode is not None and exitcode < 0:
        return PdfOutOfMemory(
            f"The PDF renderer stopped unexpectedly ({_signal_name(-exitcode)}), most likely "
            f"because the document needed more than its {limits.memory_mb} MB of memory."
        )
    return PdfError(f"The PDF renderer stopped unexpectedly (exit code {exitcode}).")


def _signal_name(number: int) -> str:
    """SIGTRAP rather than 5, for any signal Python knows by name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _result(status: str, payload: Any, limits: RenderLimits) -> bytes:
    """The PDF bytes, or the domain error the child reported."""
    if status == "ok":
        return payload
    if status == "memory":
        raise PdfOutOfMemory(
            f"This PDF needed more than {limits.memory_mb} MB of memory, so it was stopped. "
            "Try a shorter date range or fewer sessions."
        )
    raise PdfError(f"This PDF could not be made ({payload}). The error has been logged.")


# Children that were told to stop but may still be exiting: the kernel's teardown of a
# copy of the worker's memory takes 10-20 ms, which no caller needs to wait for.
# A job worker renders from several threads, hence the lock.
_STOPPING: list[BaseProcess] = []
_STOPPING_LOCK = threading.Lock()


def _stop(child: BaseProcess) -> None:
    """Kill the child if it is still running; it is reaped once it has gone (see `reap`)."""
    if child.is_alive():
        child.kill()
    with _STOPPING_LOCK:
        _STOPPING.append(child)
    reap()


def reap(*, wait: bool = False) -> None:
    """Collect stopped children that have exited (all of them, waiting, if `wait`): none is left behind.

    Called after every render, so a worker holds at most the last few; tests call it with
    `wait=True` before checking that no child remains.
    """
    with _STOPPING_LOCK:
        for child in list(_STOPPING):
            if wait:
                child.join()
            if child.exitcode is not None:
                child.close()
                _STOPPING.remove(child)
