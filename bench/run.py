"""Run the benchmark: every size on every database, then load and PDFs; print and save the figures."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import secrets
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from time import perf_counter

import flask_migrate
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import text

from bench import data, export, floor, load, pages, pdfs, report
from bench.registry import GENERATORS, PAGES, PDFS, REFERENCE, SIZES
from config import Config
from practice import create_app
from practice.extensions import db
from practice.platform.crypto import keyring
from practice.platform.passwords import hash_password

RESULTS = Path(__file__).parent / "results" / "latest.json"
SECRET_KEY = secrets.token_hex(32)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    data_key = Fernet.generate_key().decode()
    results = {"date": report.now(), "machine": report.machine(), "versions": {}, "generation": [], "pages": [],
               "floor": [], "load": [], "pdfs": [], "charts": [],
               "export": None}
    postgresql = None
    for dialect in args.databases:
        for name in args.sizes:
            size = SIZES[name]
            with data.fresh_database(dialect) as database:
                app = bench_app(database, data_key)
                ids, seconds, server = build(app, size)
                postgresql = postgresql or server
                results["generation"].append({"database": dialect, "size": name, "counts": size.counts(),
                                              "seconds": seconds})
                print(f"{dialect} {name}: generated in {seconds:.1f} s; measuring pages", flush=True)
                clients = {role: pages.signed_in(app, role, ids[f"{role}_email"], data.PASSWORD)
                           for role in {page.role for page in PAGES}}
                for page in PAGES:
                    results["pages"].append({"database": dialect, "size": name, "page": pages.measure(
                        app, clients[page.role], page, ids, args.requests)})
                if name == args.sizes[-1]:
                    results["floor"].append({"database": dialect, "size": name, "result": floor.measure(
                        clients[REFERENCE.role], REFERENCE.path(ids), floor.signed_in(floor.minimal_app(database.url)),
                        args.requests * 10)})
                if args.load_seconds and name == args.sizes[-1]:
                    print(f"{dialect} {name}: load test", flush=True)
                    results["load"] += run_load(database, data_key, ids, args.load_seconds)
                with app.app_context():
                    db.engine.dispose()
    if args.pdfs:
        print("PDFs, and a 50-session record export", flush=True)
        results["pdfs"], results["charts"], results["export"] = measure_pdfs(data_key)
    results["versions"] = report.versions(postgresql)
    print()
    print(report.table(results))
    report.write_json(results, args.output)
    print(f"\nWritten to {args.output}")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    databases = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", type=lambda s: s.split(","), default=list(SIZES), help="small,large")
    parser.add_argument("--databases", type=lambda s: s.split(","), default=databases,
                        help="sqlite,postgresql (PostgreSQL needs TEST_DATABASE_URL)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--load-seconds", type=float, default=5, help="per load line; 0 skips the load test")
    parser.add_argument("--no-pdfs", dest="pdfs", action="store_false")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def _config(url: str, data_key: str) -> type[Config]:
    return type("BenchConfig", (Config,), {
        "ENV_NAME": "bench", "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url, "DATA_KEYS": [data_key],
        "ARGON2_PROFILE": "cheap", "MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False, "JOBS_QUEUE": "immediate",
        "PUBLIC_URL": "http://localhost",  # the test client's host: any other is refused with a 400
    })


def bench_app(database: data.Database, data_key: str) -> Flask:
    return create_app(_config(database.url, data_key))


def build(app: Flask, size: data.Size) -> tuple[dict, float, str | None]:
    """Migrate, then run every generator in its own transaction; returns the ids, seconds and server version."""
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic's line per migration
        flask_migrate.upgrade()
        logging.disable(logging.NOTSET)
        started = perf_counter()
        state = data.Build(connection=None, size=size, fernet=keyring(), password_hash=hash_password(data.PASSWORD))
        for generator in GENERATORS:
            with db.engine.begin() as connection:
                state.connection = connection
                generator(state)
        with db.engine.begin() as connection:
            data.finish(connection)
            server = connection.scalar(text("SHOW server_version")) if connection.dialect.name == "postgresql" else None
        return state.ids, perf_counter() - started, server


def measure_pdfs(data_key: str) -> tuple[list[pdfs.PdfResult], list[pdfs.ChartsResult], export.ExportResult]:
    """The session PDFs (and against their charts as drawn before), and the benched couple's export.

    From a small practice on SQLite.

    Measured in a freshly spawned interpreter: render children are forked from
    it, so their memory (and its own) is what a worker's would be, not this
    process's after building the large practices and running gunicorn.
    """
    with data.fresh_database("sqlite") as database:
        app = bench_app(database, data_key)
        ids, _, _ = build(app, SIZES["small"])
        with app.app_context():
            db.engine.dispose()
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            return pool.submit(_documents, database, data_key, ids).result()


def _documents(database: data.Database, data_key: str, ids: dict) -> tuple[list, list, export.ExportResult]:
    app = bench_app(database, data_key)
    return ([pdfs.measure(app, case, ids) for case in PDFS], [row for case in PDFS if (row := pdfs.compare_charts(app, case, ids))],
            export.measure(app, ids["couple"]))


WARM_UP_SECONDS = 1  # unrecorded: a worker's first request for a page compiles its templates (100-250 ms)
LOAD_TARGETS = (
    ("app /healthz (no database)", None, "/healthz"),
    ("clinician dashboard", pages.CLINICIAN, "/dashboard"),
    ("portal home", pages.PARTNER, "/portal/"),
)


def run_load(database: data.Database, data_key: str, ids: dict, seconds: float) -> list[dict]:
    """The bare route and Twofold's pages under gunicorn at 8 and 32 connections; then the dashboard again
    while a job worker exports the benched couple's 50 sessions (started with the page's own button)."""
    rows = []
    with ExitStack() as stack:
        instance = stack.enter_context(tempfile.TemporaryDirectory(prefix="twofold-bench-instance-"))
        env = {
            "TWOFOLD_ENV": "production", "SECRET_KEY": SECRET_KEY, "TWOFOLD_DATA_KEYS": data_key,
            "DATABASE_URL": database.url, "SESSION_COOKIE_SECURE": "false", "RATELIMIT_ENABLED": "false",
            "TWOFOLD_INSTANCE_DIR": instance, "JOBS_QUEUE": f"sqlite:///{instance}/jobs.db", "MAIL_BACKEND": "locmem",
            "PUBLIC_URL": f"http://{load.HOST}",
        }
        bare = stack.enter_context(load.gunicorn("bench.bare:app", {}))
        twofold = stack.enter_context(load.gunicorn("practice:create_app()", env))
        stack.enter_context(load.job_worker(env))
        cookies = {
            pages.CLINICIAN: load.sign_in(twofold, "/login", ids["clinician_email"], data.PASSWORD, "/dashboard"),
            pages.PARTNER: load.sign_in(twofold, "/portal/login", ids["partner_email"], data.PASSWORD, "/portal/"),
        }
        targets = [("bare Flask route (ceiling)", bare + "/", None)]
        targets += [(name, twofold + path, cookies.get(role)) for name, role, path in LOAD_TARGETS]
        for name, url, cookie in targets:
            load.drive(name, url, cookie, 8, WARM_UP_SECONDS)  # every worker has compiled this page's templates
            for connections in (8, 32):
                rows.append({"database": database.dialect,
                             "result": load.drive(name, url, cookie, connections, seconds)})
        rows.append(_during_export(twofold, cookies[pages.CLINICIAN], ids["couple"], seconds) | {
            "database": database.dialect})
    return rows


def _during_export(base: str, cookie: str, couple: int, seconds: float) -> dict:
    """The dashboard at 8 connections once the export job is running; says whether it ran the whole time."""
    status = load.start_job(base, cookie, f"/couples/{couple}", f"/couples/{couple}/export")
    deadline = perf_counter() + 60
    while load.job_status(status, cookie) == "queued" and perf_counter() < deadline:
        time.sleep(0.2)
    before = load.job_status(status, cookie)
    result = load.drive(report.DURING_EXPORT, base + "/dashboard", cookie, 8, seconds)
    return {"result": result, "export": {"before": before, "after": load.job_status(status, cookie)}}
