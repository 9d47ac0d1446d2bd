"""The render server: bounded renders from a threaded process are forked from a single-threaded parent."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path
from time import perf_counter

import pytest

from practice.pdf import PdfTimeout, PdfTooLarge, RenderLimits, render_pdf, render_pdf_bounded, render_pdfs_bounded
from practice.pdf import render as render_module
from practice.pdf import render_server
from practice.pdf.render import WARMUP_HTML
from tests.test_pdf_bounded import SLOW_HTML


@pytest.fixture()
def server():
    render_server.start()
    yield render_server.pid()
    render_server.stop()
    render_module.reap(wait=True)
    assert multiprocessing.active_children() == []


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def never_fork_here(monkeypatch) -> None:
    """From now on, this (threaded) process may not fork: every render child must come from the server."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("a render child was forked from the threaded process")

    monkeypatch.setattr(os, "fork", refuse)
    monkeypatch.setattr(render_module._FORK, "Process", refuse)


def test_the_server_makes_the_same_pdf_as_in_process(server, monkeypatch):
    expected = render_pdf(WARMUP_HTML)
    never_fork_here(monkeypatch)
    assert render_pdf_bounded(WARMUP_HTML) == expected


def test_renders_from_several_threads_complete_while_another_thread_holds_a_lock(server, monkeypatch):
    expected = render_pdf(WARMUP_HTML)
    never_fork_here(monkeypatch)
    held, done = threading.Lock(), threading.Event()

    def holder():
        """Holds a lock for the whole test, and keeps fontconfig's and Pango's own locks busy rendering in-process."""
        with held:
            while not done.is_set():
                render_pdf(WARMUP_HTML)

    results: list[bytes] = []
    errors: list[BaseException] = []

    def renderer():
        try:
            for _ in range(2):
                results.append(render_pdf_bounded(WARMUP_HTML, limits=RenderLimits(timeout_seconds=20)))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    busy = threading.Thread(target=holder)
    busy.start()
    threads = [threading.Thread(target=renderer) for _ in range(4)]
    started = perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done.set()
    busy.join()
    assert not errors and not any(thread.is_alive() for thread in threads)
    assert results == [expected] * 8
    assert perf_counter() - started < 45


def test_the_server_stops_a_render_at_the_time_limit(server):
    render_pdf_bounded(WARMUP_HTML)
    started = perf_counter()
    with pytest.raises(PdfTimeout, match="longer than 1 seconds"):
        render_pdf_bounded(SLOW_HTML, limits=RenderLimits(timeout_seconds=1))
    assert perf_counter() - started < 2.5
    assert render_pdf_bounded(WARMUP_HTML).startswith(b"%PDF")


def test_a_render_given_up_on_is_killed_by_the_server(server):
    with pytest.raises(PdfTooLarge):
        list(render_pdfs_bounded([SLOW_HTML, "x" * 700_000], limits=RenderLimits(max_html_bytes=600_000),
                                 parallel=2))
    deadline = perf_counter() + 3
    while children_of(server) and perf_counter() < deadline:
        pass
    assert children_of(server) == []


def test_many_documents_through_the_server_come_back_in_order(server):
    htmls = [WARMUP_HTML.replace("Zoë", name) for name in ("Ana", "Bram", "Chen")]
    assert list(render_pdfs_bounded(htmls, parallel=2)) == [render_pdf(html) for html in htmls]


def test_a_server_that_died_is_replaced_at_the_next_render(server, caplog):
    os.kill(server, 9)  # killed, as the kernel's out-of-memory killer might
    deadline = perf_counter() + 5
    while render_server._RUNNING.process.is_alive() and perf_counter() < deadline:
        pass
    assert render_pdf_bounded(WARMUP_HTML).startswith(b"%PDF")
    assert render_server.pid() not in (None, server) and "had stopped" in caplog.text
    assert render_pdf_bounded(WARMUP_HTML).startswith(b"%PDF")  # and it serves on
