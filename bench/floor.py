"""The request path's floor: the least a signed-in page can cost on Twofold's own stack.

A minimal app on the same Flask, Flask-Login and Flask-SQLAlchemy (a signed
cookie session, a user loaded by id from the same database, a login-required
route rendering a small template) is measured in the same process as
Twofold's signed-in reference page, one request of each in turn, so a
machine that speeds up or slows down weighs on both alike. What Twofold pays
above it is its own request path: session lifetimes, the sign-in token
check, security headers, CSRF, the layout's links.
"""

from __future__ import annotations

import secrets
import statistics
from dataclasses import dataclass
from time import perf_counter, process_time

from flask import Flask, render_template
from flask.testing import FlaskClient
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

TARGET_RATIO = 1.5
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><header><p>Signed in as {{ current_user.name }}</p></header>
<main><h1>{{ title }}</h1><p>{{ text }}</p><p><a href="{{ url_for('page') }}">This page again</a></p></main>
</body></html>"""


@dataclass(frozen=True)
class FloorResult:
    """Twofold's reference page against the minimal app, both medians of interleaved requests."""

    page: str
    requests: int
    reference_ms: float
    floor_ms: float
    reference_cpu_ms: float  # this process's CPU time: steadier than wall time on a busy machine
    floor_cpu_ms: float

    @property
    def ratio(self) -> float:
        return self.reference_ms / self.floor_ms


def minimal_app(database_url: str) -> Flask:
    """A signed-in route, one user load by id, a small template; a table of its own in `database_url`."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(32), SQLALCHEMY_DATABASE_URI=database_url)
    app.jinja_loader = DictLoader({"page.html": PAGE})
    db = SQLAlchemy()

    class Person(db.Model, UserMixin):
        __tablename__ = "bench_floor_people"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(80))

    db.init_app(app)
    login = LoginManager(app)
    login.user_loader(lambda user_id: db.session.get(Person, int(user_id)))

    @app.post("/login")
    def sign_in():
        login_user(db.session.get(Person, 1))
        return "", 204

    @app.get("/")
    @login_required
    def page():
        return render_template("page.html", title="Help", text=f"Hello, {current_user.name}.")

    with app.app_context():
        db.create_all()
        if db.session.get(Person, 1) is None:
            db.session.add(Person(id=1, name="Alex"))
            db.session.commit()
    return app


def signed_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.post("/login")
    return client


def measure(reference: FlaskClient, path: str, floor: FlaskClient, requests: int) -> FloorResult:
    """`requests` of each, alternating, after a warm-up; medians of each one's wall and CPU time."""
    timings: dict[str, list[float]] = {"reference": [], "floor": []}
    cpu: dict[str, list[float]] = {"reference": [], "floor": []}
    targets = (("reference", reference, path), ("floor", floor, "/"))
    for _ in range(5):
        for _, client, url in targets:
            _get(client, url)
    for _ in range(requests):
        for name, client, url in targets:
            started, started_cpu = perf_counter(), process_time()
            _get(client, url)
            timings[name].append((perf_counter() - started) * 1000)
            cpu[name].append((process_time() - started_cpu) * 1000)
    return FloorResult(page=path, requests=requests, reference_ms=statistics.median(timings["reference"]),
                       floor_ms=statistics.median(timings["floor"]),
                       reference_cpu_ms=statistics.median(cpu["reference"]),
                       floor_cpu_ms=statistics.median(cpu["floor"]))


def _get(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
