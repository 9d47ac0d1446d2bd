"""Throughput under load: gunicorn with two workers on loopback, driven by wrk for a fixed time.

Only 127.0.0.1 is ever addressed. Each run is bounded by its duration; the
servers are stopped when the block ends. Without wrk on the PATH, a small
Python client (threads with keep-alive connections) stands in.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from config import Config
from practice.platform.serving import worker_timeout
from tests.processes import stop

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USER_AGENT = "twofold-bench"  # the same at sign-in and under load, so Flask-Login keeps the session fresh
WORKERS = 2


@dataclass(frozen=True)
class LoadResult:
    target: str
    connections: int
    seconds: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str]) -> Iterator[str]:
    """Serve `app_spec` with gunicorn's sync workers on a free loopback port; yields the base URL.

    The timeout is the one gunicorn.conf.py gives (longer than any PDF render), without which
    production refuses to start.
    """
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"{HOST}:{port}",
               "--log-level", "warning", "--timeout", str(worker_timeout(Config.PDF_RENDER_TIMEOUT)), app_spec]
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ | env, stdout=subprocess.DEVNULL)
    try:
        _wait_for(port, server)
        yield f"http://{HOST}:{port}"
    finally:
        stop(server, seconds=30)


def _wait_for(port: int, server: subprocess.Popen, timeout: float = 180) -> None:
    """Until a worker answers a request, not just until the port listens.

    gunicorn's master listens before its workers have imported the app; on
    a busy machine that import can take longer than any one request may.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=10)
            connection.request("GET", "/healthz", headers={"User-Agent": USER_AGENT})
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


@contextmanager
def job_worker(env: dict[str, str]) -> Iterator[None]:
    """A real job queue worker (`flask jobs worker`), stopped when the block ends."""
    command = [sys.executable, "-m", "flask", "--app", "practice", "jobs", "worker"]
    worker = subprocess.Popen(command, cwd=ROOT, env=os.environ | env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        if worker.poll() is not None:
            raise RuntimeError(f"the job worker exited with {worker.returncode}")
        yield
    finally:
        stop(worker, seconds=30)


def start_job(base: str, cookie: str, form_page: str, action: str) -> str:
    """Press a job's button as a person would (its page's form token, then POST); returns the job's status URL."""
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
    with urllib.request.urlopen(urllib.request.Request(base + form_page, headers=headers), timeout=30) as page:
        token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.read().decode()).group(1)
    body = urllib.parse.urlencode({"csrf_token": token}).encode()
    with urllib.request.urlopen(urllib.request.Request(base + action, data=body, headers=headers), timeout=30) as done:
        job = re.search(r"/jobs/(\d+)$", done.url)
    if job is None:
        raise RuntimeError(f"{action} did not lead to a job's page")
    return f"{base}/jobs/{job.group(1)}/status"


def job_status(url: str, cookie: str) -> str:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["status"]


def sign_in(base: str, login_path: str, email: str, password: str, page: str) -> str:
    """Sign in through the real form; returns the Cookie header that reaches `page` (checked)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    form = opener.open(base + login_path, timeout=120).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    opener.open(base + login_path, data=body, timeout=120).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(base + page, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(check, timeout=30) as response:
        if response.status != 200 or response.url != base + page:
            raise RuntimeError(f"signed-in check of {page} failed")
    return cookie


def drive(target: str, url: str, cookie: str | None, connections: int, seconds: float) -> LoadResult:
    """Load `url` at `connections` concurrent connections for `seconds`."""
    headers = {"User-Agent": USER_AGENT} | ({"Cookie": cookie} if cookie else {})
    if shutil.which("wrk"):
        return _wrk(target, url, headers, connections, seconds)
    return _python_client(target, url, headers, connections, seconds)


def _wrk(target: str, url: str, headers: dict, connections: int, seconds: float) -> LoadResult:
    command = ["wrk", "--threads", "2", "--connections", str(connections), "--duration", f"{seconds:g}s",
               "--timeout", "10s", "--latency"]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return LoadResult(
        target=target, connections=connections, seconds=seconds, requests=requests,
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_wrk_ms(output, "50%"), p99_ms=_wrk_ms(output, "99%"), errors=errors, tool="wrk",
    )


def _wrk_ms(output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _python_client(target: str, url: str, headers: dict, connections: int, seconds: float) -> LoadResult:
    """Keep-alive GETs from `connections` threads until the deadline; slower than wrk, so a lower bound."""
    parts = urllib.parse.urlsplit(url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", parts.path or "/", headers=headers)
                response = connection.getresponse()
                response.read()
                failed += response.status >= 400
            except OSError:
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return LoadResult(
        target=target, connections=connections, seconds=seconds, requests=len(latencies),
        requests_per_s=len(latencies) / seconds, p50_ms=cuts[49], p99_ms=cuts[98], errors=errors[0], tool="python",
    )
