"""Two app instances, one PostgreSQL, one Redis: they behave as one Twofold.

Each instance is a separate server process on its own loopback port, sharing
only the database (this run's private schema), the rate-limit store and the
secret key, as instances on different machines would. A browser (one cookie
jar) moves between them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import closing, contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from config import TestConfig, normalise_database_url
from tests.factories import PASSWORD, make_clinician, make_couple
from tests.html_forms import form_fields

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REDIS = "redis://127.0.0.1:6379/9"
pytestmark = pytest.mark.slow


def reachable(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture()
def instances(app, tmp_path):
    """Two servers on two loopback ports, against this run's PostgreSQL schema and Redis."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (SQLite is one machine's file)")
    if not reachable(6379):
        pytest.skip("needs Redis on 127.0.0.1:6379 for the shared rate limits")
    url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    environment = os.environ | {
        "TWOFOLD_ENV": "production", "SECRET_KEY": "shared-by-every-instance-" + "x" * 16,
        "TWOFOLD_DATA_KEYS": TestConfig.DATA_KEYS[0], "SESSION_COOKIE_SECURE": "false",
        "DATABASE_URL": f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{app.config['TEST_SCHEMA']}",
        "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": f"twofold-test-{uuid.uuid4().hex[:8]}",
        "LOGIN_RATE_LIMIT": "4 per minute", "JOBS_QUEUE": "immediate", "MAIL_BACKEND": "locmem",
        "TWOFOLD_INSTANCE_DIR": str(tmp_path), "PUBLIC_URL": f"http://{HOST}",
    }
    with server(environment, tmp_path / "a.log") as a, server(environment, tmp_path / "b.log") as b:
        yield a, b


@contextmanager
def server(environment: dict, log_path: Path):
    with closing(socket.socket()) as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "practice", "run", "--host", HOST, "--port", str(port),
         "--no-reload", "--no-debugger"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not reachable(port):
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        yield f"http://{HOST}:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


class Browser:
    """One person's browser: a single cookie jar, whichever instance answers."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, url: str) -> tuple[int, str, str]:
        """Status, final URL (after redirects) and body."""
        return self._open(urllib.request.Request(url))

    def post(self, url: str, fields: dict) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self._open(urllib.request.Request(url, data=body))

    def token(self, page_url: str) -> str:
        return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', self.get(page_url)[2]).group(1)

    def _open(self, request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode()


def sign_in(browser: Browser, base: str, email: str, password: str = PASSWORD) -> tuple[int, str, str]:
    return browser.post(base + "/login", {"csrf_token": browser.token(base + "/login"), "email": email,
                                          "password": password})


def test_two_instances_share_sessions_rate_limits_and_edit_conflicts(app, instances):
    a, b = instances
    clinician = make_clinician(name="Dr. Reyes")
    couple = make_couple(clinician, ("Alex", "Sam"))
    browser = Browser()

    status, landed, _ = sign_in(browser, a, clinician.email)
    assert (status, landed) == (200, a + "/dashboard")
    status, landed, page = browser.get(b + "/dashboard")
    assert (status, landed) == (200, b + "/dashboard") and "What's new" in page  # signed in on A, valid on B

    # The same couple opened on both; saved on B first, so A's older form is refused, not lost.
    edit = f"/couples/{couple.id}/edit"
    on_a, on_b = (form_fields(browser.get(base + edit)[2], "couple-form") for base in (a, b))
    assert on_a["version"] == on_b["version"] == ["1"]
    status, landed, _ = browser.post(b + edit, on_b | {"concerns": ["hostility"]})
    assert (status, landed) == (200, b + f"/couples/{couple.id}")
    status, _, page = browser.post(a + edit, on_a | {"concerns": ["betrayal"]})
    assert status == 200 and "Someone else saved this page" in page

    # Signing out on B ends the session on A too.
    status, _, _ = browser.post(b + "/logout", {"csrf_token": browser.token(b + "/dashboard")})
    assert status == 200
    status, landed, _ = browser.get(a + "/dashboard")
    assert landed.startswith(a + "/login")

    # Failed sign-ins count together: the limit of 4 a minute (one used above) is reached across both.
    stranger = Browser()
    assert [sign_in(stranger, base, "nobody@example.com", "wrong")[0] for base in (a, b, a)] == [200, 200, 200]
    assert sign_in(stranger, b, "nobody@example.com", "wrong")[0] == 429
