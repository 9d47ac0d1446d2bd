"""`make run`'s serving path, for real: gunicorn with gunicorn.conf.py and the job worker, in a terminal.

The launcher and gunicorn run in a pseudo-terminal exactly as `make run`
starts them, on a free port and a temporary instance folder; Ctrl+C is typed
into the terminal (the line discipline turns it into SIGINT for the
foreground group), so what is tested is what a person pressing it gets.
Production's start-up checks are run through gunicorn's own hook.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.test_faults import free_port, prepared_sqlite_database

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
LOGINS = "Every demo account's password is: demo-password-123\n  Therapist (practice owner)   demo.therapist@example.com\n"


def environment(tmp_path: Path, port: int, **changes: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in {"TEST_DATABASE_URL", "WEB_CONCURRENCY"}}
    return env | {
        "FLASK_APP": "practice", "TWOFOLD_ENV": "development", "TWOFOLD_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'twofold.db'}", "SECRET_KEY": "s" * 64,
        "TWOFOLD_DATA_KEYS": Fernet.generate_key().decode(), "HOST": "127.0.0.1", "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}", "MAIL_BACKEND": "locmem",
    } | changes


def descendants(pid: int) -> set[int]:
    """Every process below `pid` now (one that ends while we look is skipped)."""
    found, queue = set(), [pid]
    while queue:
        parent = queue.pop()
        try:
            children = [int(c) for task in Path(f"/proc/{parent}/task").iterdir()
                        for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
        found.update(children)
        queue.extend(children)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


class Terminal:
    """A command in a pseudo-terminal of its own, as a person's shell would start it."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: its own session, with the terminal as its controlling tty
            os.chdir(ROOT)
            os.execvpe(command[0], command, env)
        self.output = b""

    def read_until(self, predicate, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not predicate(self.text):
            if select.select([self.fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the terminal closed: everything in it has ended
                    break
                if not chunk:
                    break
                self.output += chunk
        return self.text

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace").replace("\r\n", "\n")

    def wait(self, seconds: float) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.read_until(lambda _: False, 0.2)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.killpg(self.pid, signal.SIGKILL)
        raise AssertionError(f"still running after {seconds} s:\n{self.text}")


def test_make_run_serves_with_gunicorn_prints_the_logins_last_and_stops_cleanly_on_ctrl_c(tmp_path):
    prepared_sqlite_database(tmp_path / "twofold.db")
    (tmp_path / "demo-logins.txt").write_text(LOGINS)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "practice.platform.launch", "--ready", f"{base}/healthz",
               "--then-print", str(tmp_path / "demo-logins.txt"), "--",
               sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    terminal = Terminal(command, environment(tmp_path, port))
    try:
        output = terminal.read_until(lambda text: "demo.therapist@example.com" in text, 60)
        assert "demo.therapist@example.com" in output, output
        output = terminal.read_until(lambda _: False, 2)  # anything printed after the logins would show here
        assert output.rstrip("\n").endswith(LOGINS.rstrip("\n")), output
        assert f"Twofold is ready at {base}" in output and "Running jobs from" in output
        assert "development server" not in output and "Booting worker" not in output
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert response.status == 200
        # The client has its answer before the worker has finished the request (its teardown); a Ctrl+C
        # inside that moment is a quick shutdown of a request in flight, which gunicorn rightly logs.
        terminal.read_until(lambda _: False, 1)
        children = descendants(terminal.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ") for pid in children]
        assert sum(b"gunicorn" in c for c in commands) >= 3 and any(b"jobs worker" in c for c in commands), commands
        os.write(terminal.fd, b"\x03")  # Ctrl+C, typed
        assert terminal.wait(30) == 0, terminal.text
        assert [pid for pid in children if alive(pid)] == []
        assert "Error" not in terminal.text.split("^C", 1)[-1]
    finally:
        for pid in descendants(terminal.pid) | {terminal.pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def production_gunicorn(tmp_path: Path, **changes: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = environment(tmp_path, port, TWOFOLD_ENV="production", PUBLIC_URL="https://twofold.riverbend.example",
                      TRUSTED_HOSTS="127.0.0.1", TRUSTED_PROXIES="1", JOBS_QUEUE=f"sqlite:///{tmp_path / 'jobs.db'}",
                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/4", BACKUP_PATH=str(tmp_path), **changes)
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True), port


def test_production_gunicorn_refuses_an_unmigrated_database_naming_it_and_starts_once_migrated(tmp_path):
    server, _ = production_gunicorn(tmp_path)
    output, _ = server.communicate(timeout=60)
    assert server.returncode == 1, output
    assert "FAIL Database:" in output and "has no schema yet" in output and "db upgrade" in output

    prepared_sqlite_database(tmp_path / "twofold.db")  # also leaves a file in BACKUP_PATH: the database itself
    server, port = production_gunicorn(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.communicate()[0]
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
