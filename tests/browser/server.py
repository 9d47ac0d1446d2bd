"""The real app, serving the demo practice from a throw-away instance, for browsers to drive.

`python -m tests.browser.server INSTANCE_DIR` builds the instance with the
same commands as `make demo` (`db upgrade`, `library sync`, `seed-demo`),
serves it with Werkzeug's threaded server on a free loopback port, prints
`READY <url>` and serves until its standard input closes, so it never
outlives the test run that started it. `LiveServer` starts and stops it.
"""

from __future__ import annotations

import logging
import os
import select
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY = "READY "
SETUP_COMMANDS = (["db", "upgrade"], ["library", "sync"], ["seed-demo"])


def instance_config(instance: Path):
    """TestConfig (cheap hashes, public test keys) on a file database, mail written to files."""
    from config import TestConfig

    return type("BrowserConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'twofold.db'}",
        "MAIL_BACKEND": "file",
        "MAIL_FILE_PATH": str(instance / "mail"),
        "LOGIN_RATE_LIMIT": "1000 per minute",  # one browser signs in many times a minute
        "EXTRA_TRUSTED_HOSTS": ["127.0.0.1"],  # the Host the browser sends
    })


def build_demo(app) -> None:
    """Run the demo set-up commands against this app, stopping at the first that fails."""
    runner = app.test_cli_runner()
    for args in SETUP_COMMANDS:
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            raise SystemExit(f"`flask {' '.join(args)}` failed:\n{result.output}")


def serve(instance: Path) -> None:
    """Build the demo in `instance`, then serve it until stdin closes."""
    from werkzeug.serving import make_server

    from practice import create_app

    app = create_app(instance_config(instance))
    build_demo(app)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # request lines would drown real errors
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"  # emailed links open in the browser
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"{READY}{app.config['PUBLIC_URL']}", flush=True)
    # Wait for the parent to close our stdin (or die). Raw reads: a thread blocked in sys.stdin.read()
    # holds its lock, and a PDF render forked meanwhile hangs closing stdin in the child.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    server.shutdown()


class LiveServer:
    """Starts `serve` in a child process; knows its URL, database, mail folder and log."""

    def __init__(self, instance: Path, startup_timeout: float = 60):
        self.instance = instance
        self.database = instance / "twofold.db"
        self.mail_dir = instance / "mail"
        self.log = instance / "server.log"
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> LiveServer:
        self.instance.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.browser.server", str(self.instance)],
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            )
        ready, _, _ = select.select([self.process.stdout], [], [], self.startup_timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith(READY):
            self.__exit__()
            raise RuntimeError(f"The test server did not start. Its log:\n{self.log_text()}")
        self.url = line[len(READY):].strip()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process is None:
            return
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process = None

    def log_text(self, start: int = 0) -> str:
        """The server's log (its errors and tracebacks) from byte `start` on."""
        with self.log.open("rb") as log:
            log.seek(start)
            return log.read().decode(errors="replace")

    def snapshot(self, target: Path) -> None:
        """Copy the live database to `target`, consistently, while the server runs."""
        copy_database(self.database, target)

    def restore(self, source: Path) -> None:
        """Put a snapshot back under the running server (SQLite's backup API takes the locks)."""
        copy_database(source, self.database)


def copy_database(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
