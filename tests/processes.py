"""Stopping the servers and workers that tests and the bench start as child processes."""

from __future__ import annotations

import signal
import subprocess


def stop(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM, seconds: float = 20) -> None:
    """Ask `process` to stop with `how` (SIGTERM; SIGINT lets a Huey worker finish its job), kill it after `seconds`."""
    if process.poll() is not None:
        return
    process.send_signal(how)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
