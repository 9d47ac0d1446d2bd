"""Bounded renders: a child process that cannot outlive or outgrow its limits."""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import signal
import time
from pathlib import Path
from time import perf_counter

import pytest

from practice.pdf import (
    PdfError,
    PdfOutOfMemory,
    PdfTimeout,
    PdfTooLarge,
    RenderLimits,
    RenderTimings,
    render_document,
    render_pdf,
    render_pdf_bounded,
    render_pdfs_bounded,
)
from practice.pdf import render as render_module
from practice.pdf.render import WARMUP_HTML
from tests.factories import LETTERHEAD
from tests.reading import pdf_pages

# About 250 pages: WeasyPrint needs well over ten seconds for it on this machine.
SLOW_HTML = "".join(f"<p>Paragraph {n} about the week we had.</p>" for n in range(10_000))


@pytest.fixture(autouse=True)
def _no_child_left_behind():
    yield
    render_module.reap(wait=True)
    assert multiprocessing.active_children() == []


def test_the_bounded_renderer_makes_the_same_pdf_as_in_process():
    assert render_pdf_bounded(WARMUP_HTML) == render_pdf(WARMUP_HTML)


def one_render_costs() -> float:
    """What starting a child and rendering a line costs on this machine now: the slack any time bound allows."""
    render_pdf_bounded(WARMUP_HTML)  # the one-off warm-up, outside every clock
    costs = []
    for _ in range(2):
        started = perf_counter()
        render_pdf_bounded("<p>x</p>")
        costs.append(perf_counter() - started)
    return max(costs)


def test_a_slow_render_is_stopped_at_the_time_limit_with_a_domain_error():
    slack = one_render_costs()
    started = perf_counter()
    with pytest.raises(PdfTimeout, match="longer than 1 seconds"):
        render_pdf_bounded(SLOW_HTML, limits=RenderLimits(timeout_seconds=1))
    assert perf_counter() - started < 1 + 3 * slack + 0.5  # stopped at the limit, not when WeasyPrint finished
    assert render_pdf_bounded(WARMUP_HTML).startswith(b"%PDF")  # and the worker carries on


def _allocate_64_mb(html, base_url, timings, font_config) -> bytes:
    return bytes(bytearray(64 * 1024 * 1024)[:8])


@pytest.mark.parametrize(("memory_mb", "fits"), [(32, False), (256, True)])
def test_the_memory_limit_is_enforced_in_the_child(monkeypatch, memory_mb, fits):
    monkeypatch.setattr(render_module, "_render", _allocate_64_mb)
    limits = RenderLimits(memory_mb=memory_mb)
    if fits:
        assert render_pdf_bounded("<p>x</p>", limits=limits) == bytes(8)
    else:
        with pytest.raises(PdfOutOfMemory, match="more than 32 MB"):
            render_pdf_bounded("<p>x</p>", limits=limits)


def _cpu_limit(html, base_url, timings, font_config) -> bytes:
    return repr(resource.getrlimit(resource.RLIMIT_CPU)).encode()


def test_the_child_cannot_use_more_cpu_than_the_time_limit_even_if_orphaned(monkeypatch):
    monkeypatch.setattr(render_module, "_render", _cpu_limit)
    assert render_pdf_bounded("<p>x</p>", limits=RenderLimits(timeout_seconds=2.5)) == b"(4, 5)"


@pytest.mark.parametrize(
    ("number", "error", "words"),
    [
        (signal.SIGTRAP, PdfOutOfMemory, "SIGTRAP"),  # GLib's g_error() when malloc fails
        (signal.SIGKILL, PdfOutOfMemory, "SIGKILL"),  # the kernel's OOM killer
        (signal.SIGXCPU, PdfTimeout, "longer than 60 seconds"),  # past RLIMIT_CPU
    ],
)
def test_a_child_killed_by_a_signal_becomes_a_domain_error(monkeypatch, number, error, words):
    def die(html, base_url, timings, font_config) -> bytes:
        os.kill(os.getpid(), number)
        raise AssertionError("unreachable")

    monkeypatch.setattr(render_module, "_render", die)
    with pytest.raises(error, match=words):
        render_pdf_bounded("<p>x</p>")


def _fail(html, base_url, timings, font_config) -> bytes:
    raise KeyError("layout bug")


def test_an_exception_in_the_child_becomes_a_domain_error(monkeypatch):
    monkeypatch.setattr(render_module, "_render", _fail)
    with pytest.raises(PdfError, match=r"could not be made \(KeyError\)"):
        render_pdf_bounded("<p>x</p>")


def test_oversized_html_is_refused_before_a_child_starts(monkeypatch):
    monkeypatch.setattr(render_module._FORK, "Process", None)  # starting one would fail loudly
    with pytest.raises(PdfTooLarge):
        render_pdf_bounded("x" * 101, limits=RenderLimits(max_html_bytes=100))


def test_render_document_is_bounded_by_default_and_reports_its_timings(app):
    timings = RenderTimings()
    template = app.jinja_env.from_string(
        '{% extends "pdf/base.html" %}{% block content %}<h1>Handout for Zoë</h1>{% endblock %}'
    )
    pdf = render_document(template, practice=LETTERHEAD, timings=timings)
    assert "Handout for Zoë" in pdf_pages(pdf)[0]
    assert timings.process > 0  # a child was started, fed and reaped
    assert timings.html > 0 and timings.layout > 0 and timings.write > 0


# Many documents at once (a record export) ------------------------------------------------------


def _slow_echo(html, base_url, timings, font_config) -> bytes:
    """Half a second of waiting, not CPU: long enough that a second child starts while this one runs."""
    time.sleep(0.5)
    return html.encode()


# The children below tell each other and the test what happened through files in one folder
# (they are forked, so they inherit the variable naming it): each waits for a sign, never for a
# length of time, and what it saw is its output. A busy machine makes them slower, not wrong.
SIGNS = "TWOFOLD_TEST_SIGNS"
PATIENCE = 20.0  # seconds a child waits for a sign before it gives up and says so


def _folder() -> Path:
    return Path(os.environ[SIGNS])


def _wait_for(seen) -> bool:
    deadline = time.monotonic() + PATIENCE
    while not seen():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def signs(tmp_path, monkeypatch):
    monkeypatch.setenv(SIGNS, str(tmp_path))
    return tmp_path


def test_many_documents_come_back_in_order_as_the_same_pdfs_as_one_by_one():
    htmls = [WARMUP_HTML.replace("Zoë", name) for name in ("Ana", "Bram", "Chen")]
    assert list(render_pdfs_bounded(htmls, parallel=2)) == [render_pdf(html) for html in htmls]


def _count_who_runs(html, base_url, timings, font_config) -> bytes:
    """Say how many children were running at once, having waited (for a sign, not a time) for `parallel` of them."""
    if html == WARMUP_HTML:  # the parent's one warm-up before its first fork
        return b""
    name, parallel = html.split(":")
    running = _folder() / f"running-{name}"
    running.touch()
    _wait_for(lambda: len(list(_folder().glob("running-*"))) >= int(parallel))
    peak = len(list(_folder().glob("running-*")))
    time.sleep(0.05)  # let a child that should not have started show itself
    peak = max(peak, len(list(_folder().glob("running-*"))))
    running.unlink()
    return str(peak).encode()


@pytest.mark.parametrize("parallel", [2, 1])
def test_many_documents_render_side_by_side_but_never_more_than_parallel_at_once(monkeypatch, signs, parallel):
    monkeypatch.setattr(render_module, "_render", _count_who_runs)
    peaks = [int(pdf) for pdf in render_pdfs_bounded([f"{n}:{parallel}" for n in range(4)], parallel=parallel)]
    assert max(peaks) == parallel  # they met: `parallel` children ran at once
    assert all(peak <= parallel for peak in peaks)  # and never more


def _wait_for_the_second_to_be_filled(html, base_url, timings, font_config) -> bytes:
    if html == "<p>0</p>":
        return b"saw it" if _wait_for((_folder() / "filled-1").exists) else b"waited in vain"
    return html.encode()


def test_the_html_is_read_while_earlier_documents_render(monkeypatch, signs):
    monkeypatch.setattr(render_module, "_render", _wait_for_the_second_to_be_filled)

    def htmls():
        for n in range(3):
            (signs / f"filled-{n}").touch()
            yield f"<p>{n}</p>"

    first, *_ = render_pdfs_bounded(htmls(), parallel=2)
    assert first == b"saw it"  # the second document was filled while the first was still rendering


def test_one_failing_document_stops_the_rest_and_leaves_no_child(monkeypatch, signs):
    def fail_on_the_second(html, base_url, timings, font_config) -> bytes:
        if html == WARMUP_HTML:
            return b"%PDF"
        if "1" in html:
            raise KeyError("layout bug")
        _wait_for((_folder() / "never").exists)
        (_folder() / f"finished-{html.replace('/', '')}").touch()
        return b"%PDF"

    monkeypatch.setattr(render_module, "_render", fail_on_the_second)
    with pytest.raises(PdfError, match=r"could not be made \(KeyError\)"):
        list(render_pdfs_bounded([f"<p>{n}</p>" for n in range(4)], parallel=2))
    render_module.reap(wait=True)
    assert list(signs.glob("finished-*")) == []  # the first was stopped, not waited for


def _long_waits_for_the_short(html, base_url, timings, font_config) -> bytes:
    if "long" in html:
        all_done = _wait_for(lambda: len(list(_folder().glob("done-*"))) == 4)
        return b"the short ones ran beside me" if all_done else b"the short ones waited for me"
    if "short" in html:
        (_folder() / f"done-{html.replace('/', '')}").touch()
    return html.encode()


def test_a_short_document_does_not_wait_behind_a_long_one(monkeypatch, signs):
    monkeypatch.setattr(render_module, "_render", _long_waits_for_the_short)
    htmls = ["<p>long</p>"] + [f"<p>short {n}</p>" for n in range(4)]
    long, *short = render_pdfs_bounded(htmls, parallel=2)
    # The long one finishes only once all four short ones have, one after another beside it;
    # waiting for the oldest child before starting the next would have left it waiting in vain.
    assert long == b"the short ones ran beside me"
    assert short == [html.encode() for html in htmls[1:]]


def test_a_document_over_the_size_limit_stops_the_children_already_running(monkeypatch):
    monkeypatch.setattr(render_module, "_render", _slow_echo)
    htmls = ["<p>short</p>", "x" * 101]
    with pytest.raises(PdfTooLarge):
        list(render_pdfs_bounded(htmls, limits=RenderLimits(max_html_bytes=100), parallel=2))


def test_each_document_keeps_its_own_time_limit_when_several_run(monkeypatch):
    slack = one_render_costs()
    started = perf_counter()
    with pytest.raises(PdfTimeout):
        list(render_pdfs_bounded([WARMUP_HTML, SLOW_HTML], limits=RenderLimits(timeout_seconds=1), parallel=2))
    assert perf_counter() - started < 1 + 3 * slack + 0.5


def _gc_state(html, base_url, timings, font_config) -> bytes:
    return repr(gc.isenabled()).encode()


def test_the_child_renders_without_the_cycle_collector_and_the_worker_keeps_it(monkeypatch):
    monkeypatch.setattr(render_module, "_render", _gc_state)
    assert render_pdf_bounded("<p>x</p>") == b"False"
    assert gc.isenabled()


def test_a_long_export_renders_one_document_per_usable_core_unless_configured(app, monkeypatch):
    from practice.pdf import drawing as pdf_drawing

    asked = []
    monkeypatch.setattr(pdf_drawing, "render_pdfs_bounded", lambda htmls, **options: asked.append(options) or [])
    monkeypatch.setattr(pdf_drawing.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(pdf_drawing.os, "cpu_count", lambda: 64)  # the host's count, not this container's
    with app.app_context():
        pdf_drawing.render_documents(["<p>x</p>"])
        monkeypatch.setitem(app.config, "PDF_RENDER_PARALLEL", 1)
        pdf_drawing.render_documents(["<p>x</p>"])
    assert [options["parallel"] for options in asked] == [3, 1]


def _quick(html, base_url, timings, font_config) -> bytes:
    return b"%PDF"


def test_stopped_children_are_reaped_by_later_renders_not_left_to_pile_up(monkeypatch):
    monkeypatch.setattr(render_module, "_render", _quick)
    for _ in range(12):
        assert render_pdf_bounded("<p>x</p>") == b"%PDF"
    assert len(multiprocessing.active_children()) <= 2  # at most the last ones, still exiting
    assert len(render_module._STOPPING) <= 2  # and the exited ones were closed and forgotten
    render_module.reap(wait=True)
    assert multiprocessing.active_children() == []
