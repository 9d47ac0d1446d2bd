"""Pages through the WSGI app: SQL statements, time per request, and the Jinja floor.

The floor is the time to render the same template from the same data already
in memory: while a page renders, Flask's `template_rendered` signal hands us
the template and its context, and we render it again, several times, right
there (the request's objects are loaded and its session still open). The
timed requests run afterwards, without that hook.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter, process_time

from flask import Flask, render_template, template_rendered
from flask.testing import FlaskClient

from bench.sql import counting

CLINICIAN = "clinician"
PARTNER = "partner"
LOGIN_PATHS = {CLINICIAN: "/login", PARTNER: "/portal/login"}


@dataclass(frozen=True)
class Page:
    """A page people open, who opens it, and its path given the generated ids."""

    name: str
    role: str
    path: Callable[[dict], str]


@dataclass(frozen=True)
class PageResult:
    """One page measured at one size on one database."""

    name: str
    path: str
    statements: int
    template_statements: int
    median_ms: float
    p95_ms: float
    floor_ms: float
    cpu_ms: float  # this process's CPU time per request, floor taken out: steadier on a busy machine
    floor_cpu_ms: float
    templates: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.median_ms / self.floor_ms if self.floor_ms else float("nan")


def signed_in(app: Flask, role: str, email: str, password: str) -> FlaskClient:
    """A test client signed in through the real login form."""
    client = app.test_client()
    form = client.get(LOGIN_PATHS[role]).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post(LOGIN_PATHS[role], data={"csrf_token": token, "email": email, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"bench could not sign in as {email} ({response.status_code})")
    return client


def measure(app: Flask, client: FlaskClient, page: Page, ids: dict, requests: int) -> PageResult:
    """Count one request's statements, then time `requests` more, each with its own floor.

    Every timed request renders its template once more, right after the real
    render; that render's time is the request's floor and is taken out of
    the request's own time, so both are measured under the same conditions
    (this machine may be busy with other work).
    """
    path = page.path(ids)
    _get(client, path)  # warm: compiled templates, SQL caches, connection pool
    with floor(app) as renders, counting(_engine(app)) as statements:
        _get(client, path)
    template_statements = renders.statements
    times, floors, cpu, floors_cpu = [], [], [], []
    with floor(app) as renders:
        for _ in range(requests):
            before, before_cpu = renders.milliseconds, renders.cpu_ms
            started, started_cpu = perf_counter(), process_time()
            _get(client, path)
            spent, spent_cpu = renders.milliseconds - before, renders.cpu_ms - before_cpu
            times.append((perf_counter() - started) * 1000 - spent)
            cpu.append((process_time() - started_cpu) * 1000 - spent_cpu)
            floors.append(spent)
            floors_cpu.append(spent_cpu)
    return PageResult(
        name=page.name, path=path, statements=statements.count - template_statements,
        template_statements=template_statements, median_ms=statistics.median(times),
        p95_ms=statistics.quantiles(times, n=20)[18], floor_ms=statistics.median(floors),
        cpu_ms=statistics.median(cpu), floor_cpu_ms=statistics.median(floors_cpu),
        templates=tuple(dict.fromkeys(renders.names)),
    )


def _get(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")


def _engine(app: Flask):
    with app.app_context():
        return app.extensions["sqlalchemy"].engine


@dataclass
class Renders:
    """The templates requests rendered, the time spent rendering them again, and any SQL that sent."""

    names: list[str]
    milliseconds: float = 0.0
    cpu_ms: float = 0.0
    statements: int = 0


@contextmanager
def floor(app: Flask) -> Iterator[Renders]:
    """Render every template a request renders once more, from the same context, and time it."""
    renders = Renders(names=[])
    busy = False

    def again(_sender, template, context, **_extra) -> None:
        nonlocal busy
        if busy:
            return
        busy = True
        try:
            with counting(_engine(app)) as statements:
                started, started_cpu = perf_counter(), process_time()
                render_template(template.name, **context)
                renders.milliseconds += (perf_counter() - started) * 1000
                renders.cpu_ms += (process_time() - started_cpu) * 1000
            renders.names.append(template.name)
            renders.statements += statements.count
        finally:
            busy = False

    template_rendered.connect(again, app)
    try:
        yield renders
    finally:
        template_rendered.disconnect(again, app)
