"""Faults: a worker killed mid-write loses nothing acknowledged; a database outage shows a calm 503.

Slow (real processes and sockets): run by `make test-slow`, which .ci/run
calls after `make test`.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, text

from config import TestConfig, normalise_database_url
from practice import create_app
from practice.extensions import db
from tests.client import FormClient
from tests.factories import PASSWORD, make_clinician
from tests.logins import login
from tests.processes import stop

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
DATA_KEY = "9KJkpXbUfdFZxY34fQwLlMzRX4F-ZFTdGmO8rgujOaI="  # the public test key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A tiny HTTP client with cookies, for talking to a real server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects())

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read().decode()

    def csrf(self, path: str) -> str:
        _, _, page = self.request(path)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def prepared_sqlite_database(path: Path) -> str:
    """A migrated SQLite database with one clinician; returns their email."""
    config = type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        email = make_clinician(owner=True, email="fault@example.com").email
        db.session.remove()
        db.engine.dispose()
    return email


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def wait_until_serving(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


@pytest.fixture()
def gunicorn(tmp_path):
    """Two gunicorn workers on a loopback port, against a fresh SQLite file."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("always runs on its own SQLite file: the SQLite pass of make test-slow covers it")
    database = tmp_path / "twofold.db"
    email = prepared_sqlite_database(database)
    port = free_port()
    env = os.environ | {
        "TWOFOLD_ENV": "development", "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "s" * 64,
        "TWOFOLD_DATA_KEYS": DATA_KEY, "TWOFOLD_INSTANCE_DIR": str(tmp_path), "MAIL_BACKEND": "locmem",
    }
    env.pop("TEST_DATABASE_URL", None)
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
               "--graceful-timeout", "5", "practice:create_app()"]
    log = tmp_path / "gunicorn.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        yield server, base, email, database, log
    finally:
        stop(server)


@pytest.mark.asvs("1.14.3")
def test_killing_a_worker_mid_write_loses_no_acknowledged_write(gunicorn):
    server, base, email, database, log = gunicorn
    acknowledged: list[tuple[int, str]] = []
    problems: list[str] = []
    stop = threading.Event()
    ready = threading.Barrier(5, timeout=120)  # four writers signed in, and the test

    def writer(number: int) -> None:
        try:
            write_couples(number)
        except Exception as error:  # a thread's failure must fail the test
            problems.append(repr(error))

    def write_couples(number: int) -> None:
        browser = Browser(base)
        status, _, _ = browser.request("/login", {"email": email, "password": PASSWORD, "csrf_token": browser.csrf("/login")})
        assert status == 302
        token = browser.csrf("/couples/new")
        ready.wait()
        sequence = 0
        while not stop.is_set():
            sequence += 1
            name = f"W{number}x{sequence}"
            form = {"csrf_token": token, "partner1-name": name, "partner2-name": "Sam", "stage": "deescalation",
                    "start_date": "2026-01-05", "status": "active"}
            try:
                status, headers, _ = browser.request("/couples/new", form)
            except OSError:  # the killed worker's connection: not acknowledged, may or may not be saved
                continue
            assert status == 302, status
            acknowledged.append((int(headers["Location"].rsplit("/", 1)[1]), name))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    ready.wait()
    time.sleep(1)
    victim = worker_pids(server.pid)[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(2.5)  # gunicorn replaces the worker; writing goes on
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    assert problems == []
    assert victim not in worker_pids(server.pid) and len(worker_pids(server.pid)) == 2
    assert len(acknowledged) > 20
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        saved = dict(connection.execute(
            "SELECT couples.id, partners.name FROM couples JOIN partners ON partners.couple_id = couples.id "
            "WHERE partners.position = 1").fetchall())
    missing = [(couple_id, name) for couple_id, name in acknowledged if saved.get(couple_id) != name]
    assert missing == []
    assert "database is locked" not in log.read_text()


class Proxy:
    """A TCP relay to PostgreSQL that the test can cut and restore, like a database restart."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and drop every open one."""
        for sock in [self.listener, *self.sockets]:  # shutdown wakes the threads blocked on them
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already shut by the other direction or by stop()


@pytest.fixture()
def app_behind_proxy():
    """An app whose PostgreSQL connections all pass through a Proxy, in a schema of its own."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    parts = urllib.parse.urlsplit(url)
    proxy = Proxy((parts.hostname, parts.port or 5432))
    proxy.start()
    schema = f"fault_{uuid.uuid4().hex[:12]}"
    proxied = normalise_database_url(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}").geturl())
    config = type("Config", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": proxied,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True,
                                      "connect_args": {"options": f"-c search_path={schema}", "connect_timeout": 3}},
    })
    app = create_app(config)
    app.test_client_class = FormClient
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        db.session.remove()
    try:
        yield app, proxy
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        proxy.stop()
        direct = create_engine(normalise_database_url(url))  # past the proxy, whatever state the test left it in
        with direct.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        direct.dispose()


@pytest.mark.asvs("7.4.1")
def test_a_database_outage_shows_a_calm_503_and_the_next_request_after_it_works(app_behind_proxy):
    app, proxy = app_behind_proxy
    with app.app_context():
        clinician = make_clinician(owner=True)
        browser = app.test_client()
        login(browser, clinician)
        assert browser.get("/couples/").status_code == 200

        proxy.stop()  # the database goes away mid-session
        response = browser.get("/couples/")
        assert response.status_code == 503
        page = response.data.decode()
        assert "Twofold is taking a short break" in page and "Traceback" not in page and "psycopg" not in page
        assert response.headers["Retry-After"] == "30"

        proxy.start()  # and comes back
        assert browser.get("/couples/").status_code == 200
        db.session.remove()
