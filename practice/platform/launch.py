"""`make run` and `make dev`: the web server and the job worker as one foreground job.

    python -m practice.platform.launch --ready URL [--then-print FILE] -- SERVER COMMAND...

Both run in a process group of their own, and in a terminal that group is
handed the foreground. Ctrl+C then reaches the server and the worker, which
stop cleanly, and never `make`, which would otherwise report the interrupt
as an error however cleanly they stopped. Without a terminal, SIGINT and
SIGTERM sent to this process are passed on to the group.

The worker starts first and the server once the worker has finished
introducing itself, so that once URL answers, the last lines on the screen
are the ready line and FILE (the demo logins), not start-up chatter.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

WORKER = [sys.executable, "-m", "flask", "jobs", "worker"]
QUIET_SECONDS = 0.5  # the worker has said all it says at start-up once it is silent this long
WORKER_START_SECONDS = 20
READY_SECONDS = 120
STOP_SECONDS = 20
SETTLE_SECONDS = 0.3  # lets the server log the ready probe before the logins, not after them


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready", required=True, help="an address that answers once the server serves")
    parser.add_argument("--then-print", type=Path, help="a file to print once it does (the demo logins)")
    parser.add_argument("server", nargs="+", help="the server's command, after --")
    args = parser.parse_args(argv)

    worker = subprocess.Popen(WORKER, process_group=0, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env=os.environ | {"PYTHONUNBUFFERED": "1"})
    group = worker.pid
    with foreground(group), passing_signals_to(group):
        relay = Relay(worker.stdout)
        relay.until_quiet(WORKER_START_SECONDS)
        if worker.poll() is not None:
            print("The job worker stopped as it started (its words are above); nothing was served.", file=sys.stderr)
            return 1
        server = subprocess.Popen(args.server, process_group=group)
        if wait_until_answering(args.ready, server, relay):
            relay.pump(SETTLE_SECONDS)
            print(f"\nTwofold is ready at {args.ready.rsplit('/', 1)[0]}  (Ctrl+C stops it and the job worker)",
                  flush=True)
            if args.then_print:
                print(args.then_print.read_text().strip("\n"), flush=True)
        while server.poll() is None:
            relay.pump(0.5)
        stop(worker, relay)
    return 0 if server.returncode in (0, -signal.SIGINT, -signal.SIGTERM) else server.returncode


class Relay:
    """Copies the worker's output to ours as it comes (mail sent to the console included)."""

    def __init__(self, stream) -> None:
        self.fd = stream.fileno()
        self.open = True

    def pump(self, seconds: float) -> bool:
        """Copy what arrives within `seconds`; True if anything did."""
        if not self.open:
            time.sleep(seconds)
            return False
        if not select.select([self.fd], [], [], seconds)[0]:
            return False
        chunk = os.read(self.fd, 65536)
        if not chunk:
            self.open = False
            return False
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        return True

    def until_quiet(self, limit: float) -> None:
        """Copy until the worker has spoken and then been silent for QUIET_SECONDS (or `limit` passed)."""
        deadline = time.monotonic() + limit
        heard = False
        while time.monotonic() < deadline:
            if self.pump(QUIET_SECONDS):
                heard = True
            elif heard or not self.open:
                return

    def drain(self) -> None:
        while self.open and self.pump(0.1):
            pass


def wait_until_answering(url: str, server: subprocess.Popen, relay: Relay) -> bool:
    """True once `url` answers anything at all; False if the server ends or never answers."""
    deadline = time.monotonic() + READY_SECONDS
    while server.poll() is None and time.monotonic() < deadline:
        try:
            # The address is our own server's, given by the Makefile (bandit B310 warns of file: URLs).
            with urllib.request.urlopen(url, timeout=2):  # nosec B310
                return True
        except urllib.error.HTTPError:
            return True  # it answered: a page's status is not the question
        except OSError:
            relay.pump(0.2)
    return False


def stop(worker: subprocess.Popen, relay: Relay) -> None:
    """Stop the worker gracefully (Huey finishes its jobs on SIGINT) unless Ctrl+C already did."""
    with suppress(ProcessLookupError):
        worker.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    while worker.poll() is None and time.monotonic() < deadline:
        relay.pump(0.2)
    if worker.poll() is None:
        worker.kill()
        worker.wait()
    relay.drain()


@contextmanager
def foreground(group: int):
    """Give the terminal to `group` while it runs, so Ctrl+C goes to it alone; then take it back."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    try:
        ours = os.getpgrp()
        if os.tcgetpgrp(terminal) != ours:
            yield  # started in the background: leave the terminal as it is
            return
        previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may not set it otherwise
        try:
            os.tcsetpgrp(terminal, group)
            try:
                yield
            finally:
                os.tcsetpgrp(terminal, ours)
        finally:
            signal.signal(signal.SIGTTOU, previous)
    finally:
        os.close(terminal)


@contextmanager
def passing_signals_to(group: int):
    """SIGINT, SIGTERM and SIGHUP sent to this process reach the server and worker instead."""

    def forward(number, _frame):
        with suppress(ProcessLookupError):
            os.killpg(group, number)

    previous = {number: signal.signal(number, forward) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


if __name__ == "__main__":
    sys.exit(main())
