"""A single-threaded parent that forks every bounded PDF render, for processes that run threads.

Forking copies one thread and every lock as it was, so a child can wait for ever on a lock another
thread held (a logging handler, fontconfig's cache, the import lock). The job worker runs jobs on
threads, so its renders are forked from this server: forked from the worker before any thread
starts (`start()`, which `flask jobs worker` calls first), warmed with our fonts and print.css, with
one thread, so no lock is held when it forks. A render asks over a SOCK_SEQPACKET socket, passing
one end of a fresh socket pair, and talks to its child directly; the server only forks, enforces
the wall-time limit, reaps, and reports a child that died silent by its exit code (RLIMIT_AS and
RLIMIT_CPU stay practice.pdf.render's). Processes without threads fork directly. A server that
died is noticed at the next render, logged and replaced.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import select
import signal
import socket
import threading
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from time import monotonic

from practice.pdf import render

log = logging.getLogger(__name__)
_MESSAGE = 4096  # a request (token, base URL, limits) is far smaller; the HTML goes over its own socket


@dataclass
class _Server:
    """This process's handle on its render server."""

    process: BaseProcess
    requests: socket.socket


_RUNNING: _Server | None = None
_REPLACING = threading.Lock()  # two threads that both find the server dead start one new one
# One count for the process, across replaced servers: a late `cancel` for a dead server's render
# can never name a render of the server that replaced it. next() on a count is atomic in CPython.
_TOKENS = itertools.count(1)


def start() -> None:
    """Fork the render server now (call before starting threads); later bounded renders go through it."""
    global _RUNNING
    if _RUNNING is None:
        _RUNNING = _fork_server()


def _fork_server() -> _Server:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    process = render._FORK.Process(target=_serve, args=(theirs, ours), name="twofold-pdf-renders", daemon=True)
    process.start()
    theirs.close()
    return _Server(process, ours)


def stop() -> None:
    """Stop the server (its children with it) and fork directly again."""
    global _RUNNING
    if _RUNNING is not None:
        server, _RUNNING = _RUNNING, None
        _close(server)


def _close(server: _Server) -> None:
    server.requests.close()  # the server sees the end of its requests and exits
    server.process.join(5)
    if server.process.is_alive():
        server.process.kill()
        server.process.join()
    server.process.close()


def running() -> bool:
    return _RUNNING is not None


def pid() -> int | None:
    """The server's process id, if one runs (tests check children are forked from it)."""
    return _RUNNING.process.pid if _RUNNING is not None else None


def ask(html: str, base_url: str, limits: render.RenderLimits) -> tuple[Connection, int]:
    """Have the server fork a child for `html`; returns the connection its answer comes on, and a stop token."""
    server = _RUNNING
    if server is None:
        raise RuntimeError("the render server is not running")
    if server.process.is_alive():
        try:
            return _ask(server, html, base_url, limits)
        except OSError:
            if server.process.is_alive():
                raise  # a live server that could not take this request (out of file descriptors): not replaced
    return _ask(_replace(server), html, base_url, limits)


def _ask(server: _Server, html: str, base_url: str, limits: render.RenderLimits) -> tuple[Connection, int]:
    mine, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    token = next(_TOKENS)
    try:
        socket.send_fds(server.requests, [_encode("render", token, base_url, asdict(limits))], [child.fileno()])
        child.close()
        connection = Connection(mine.detach())
    except OSError:
        child.close()
        mine.close()
        raise
    try:
        connection.send(html)  # the child reads it as its first message
    except OSError:
        connection.close()
        raise
    return connection, token


def _replace(dead: _Server) -> _Server:
    """Start a new server in place of one that stopped (unless another thread already has).

    The new one is running before it is swapped in, so a thread rendering
    meanwhile never finds no server and forks from this threaded process.
    """
    global _RUNNING
    with _REPLACING:
        if _RUNNING is dead:
            log.error("the PDF render server (pid %s) had stopped, exit code %s; starting another",
                      dead.process.pid, dead.process.exitcode)
            _RUNNING = _fork_server()
            _close(dead)
        return _RUNNING


def cancel(token: int) -> None:
    """Kill the child for `token` if it is still running (its caller gave up on it)."""
    server = _RUNNING
    if server is not None:
        try:
            server.requests.send(_encode("stop", token))
        except OSError:  # the server is gone, and its children with it
            pass


def _encode(*message: object) -> bytes:
    """A control message as JSON: plain numbers and strings, nothing that runs code when read."""
    return json.dumps(message).encode()


# In the server ----------------------------------------------------------------------------------


@dataclass
class _Render:
    """A child the server forked: its pid, the socket it answers on, and when it must be done."""

    pid: int
    answers: Connection
    deadline: float
    timed_out: bool = False


def _serve(requests: socket.socket, callers_end: socket.socket) -> None:
    """The server's loop: fork on request, kill at the deadline, reap and report. One thread, always."""
    callers_end.close()
    font_config = render._inherited_font_config()  # warm once; every child inherits it
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake select() when a child exits
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the worker, which then stops us
    renders: dict[int, _Render] = {}  # by token
    try:
        while True:
            soonest = min((r.deadline for r in renders.values() if not r.timed_out), default=None)
            timeout = None if soonest is None else max(0.0, soonest - monotonic())
            ready, _, _ = select.select([requests, wake_read], [], [], timeout)
            if wake_read in ready:
                os.read(wake_read, 512)
            if requests in ready and not _take(requests, renders, font_config):
                return
            _kill_overdue(renders)
            _reap(renders)
    finally:
        for entry in renders.values():
            _kill(entry.pid)


def _take(requests: socket.socket, renders: dict[int, _Render], font_config) -> bool:
    """Handle one request; False once the worker has gone (its end of the socket closed)."""
    try:
        data, fds, _, _ = socket.recv_fds(requests, _MESSAGE, 1)
    except InterruptedError:
        return True
    if not data:
        return False
    message = json.loads(data)
    if message[0] == "stop":
        entry = renders.get(message[1])
        if entry is not None:
            _kill(entry.pid)
        return True
    _, token, base_url, fields = message
    limits = render.RenderLimits(**fields)
    child = os.fork()
    if child == 0:  # the render child: one thread (ours), no lock held
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        requests.close()
        for other in renders.values():  # other callers' sockets are theirs alone
            other.answers.close()
        answers = Connection(fds[0])
        try:
            render._child_main(answers, answers.recv(), base_url, font_config, limits)
        finally:
            os._exit(0)
    renders[token] = _Render(child, Connection(fds[0]), monotonic() + limits.timeout_seconds)
    return True


def _kill_overdue(renders: dict[int, _Render]) -> None:
    now = monotonic()
    for entry in renders.values():
        if not entry.timed_out and entry.deadline <= now:
            entry.timed_out = True
            _kill(entry.pid)


def _reap(renders: dict[int, _Render]) -> None:
    """Collect exited children; tell the caller of one that died without answering how it ended."""
    for token, entry in list(renders.items()):
        try:
            done, status = os.waitpid(entry.pid, os.WNOHANG)
        except ChildProcessError:
            done, status = entry.pid, 0
        if done == 0:
            continue
        del renders[token]
        report = ("timeout",) if entry.timed_out else ("exit", os.waitstatus_to_exitcode(status))
        try:
            entry.answers.send(report)  # read only if the child said nothing (its answer comes first)
        except OSError:  # the caller has gone already
            pass
        entry.answers.close()


def _kill(child: int) -> None:
    try:
        os.kill(child, signal.SIGKILL)
    except ProcessLookupError:
        pass
