"""`flask --app practice doctor`: every deployment check, PASS / WARN / FAIL, with the fix.

Each check is a small function of the facts (the settings, gunicorn's numbers, for some the running
database) that returns a `Result`; the command only prints them. The same checks guard production:
`ProductionConfig.validate()` runs the settings checks in the factory (no I/O), and gunicorn's
`on_starting` hook (gunicorn.conf.py) runs all of them with the real worker count and timeout, plus
those needing I/O (migrated to head, audit chain intact, a recent backup). Any FAIL refuses to
start; a WARN never blocks. A loopback PUBLIC_URL served only on loopback is a rehearsal, where the
TLS, cookie, public-test-key and job-queue checks warn instead; with gunicorn listening on every
address it is no rehearsal, and they refuse. Nothing printed is a secret: keys are described by
their length, addresses shown without passwords.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo

from practice.platform.serving import Serving, bind_addresses, planned
from practice.platform.urls import PublicURLError, parse_public_url, public_host

MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


class Status(StrEnum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Result:
    """One check's verdict: what was found (`detail`) and, unless it passed, what to do (`fix`)."""

    status: Status
    title: str
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Facts:
    """What the checks look at. `serving` is None in the factory: gunicorn's numbers are known when it starts."""

    settings: Mapping[str, Any]
    serving: Serving | None


Check = Callable[[Facts], Result]


def settings_now(config: Mapping[str, Any]) -> dict[str, Any]:
    """The settings to check: the app's, with its secrets read from the environment as it is now.

    A config class reads the environment at import and invents a random SECRET_KEY when none is set,
    which a check must not mistake for a real one; so secrets and PUBLIC_URL come from the environment.
    """
    from config import data_keys_from_environment

    settings = dict(config)
    settings["SECRET_KEY"] = os.environ.get("SECRET_KEY", "")
    if "TWOFOLD_DATA_KEYS" in os.environ:
        settings["DATA_KEYS"] = data_keys_from_environment()
    if "PUBLIC_URL" in os.environ:
        settings["PUBLIC_URL"] = os.environ["PUBLIC_URL"]
    return settings


def is_rehearsal(facts: Facts) -> bool:
    """True when only this machine can use the practice: a loopback PUBLIC_URL, and gunicorn bound only to loopback.

    In the factory (`serving` is None) the binds HOST and PORT plan stand in; gunicorn's start decides
    again with the real ones.
    """
    binds = facts.serving.bind if facts.serving else bind_addresses()
    return _is_loopback(public_host(facts.settings.get("PUBLIC_URL") or "")) and all(map(_bound_to_loopback, binds))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bound_to_loopback(bind: str) -> bool:
    """A gunicorn bind only this machine reaches: a loopback address, or a unix socket."""
    return bind.startswith("unix:") or _is_loopback(_bind_host(bind))


def _bind_host(bind: str) -> str:
    """The host of a gunicorn bind (`127.0.0.1:8000`, `[::1]:8000`, `localhost:8000`); '' for a bare port."""
    return bind.rpartition(":")[0].strip("[]") if ":" in bind else ""


def unless_rehearsal(facts: Facts) -> Status:
    """FAIL for a practice people reach over a network; WARN for a rehearsal on loopback."""
    return Status.WARN if is_rehearsal(facts) else Status.FAIL


def without_password(url: str) -> str:
    """scheme://host[:port] of a service address, never its credentials or path."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


# The settings checks -----------------------------------------------------------------------


def secret_key(facts: Facts) -> Result:
    from config import TestConfig

    title = "Secret key"
    key = facts.settings.get("SECRET_KEY") or ""
    fix = f"Set SECRET_KEY to a random value, the same on every instance: {MAKE_SECRET}"
    if not key:
        return Result(Status.FAIL, title, "SECRET_KEY is not set: each process would make up its own, so "
                      "sign-ins would not survive a restart or reach another worker.", fix)
    if key == TestConfig.SECRET_KEY:
        return Result(Status.FAIL, title, "SECRET_KEY is the test suite's key, which is public.", fix)
    if len(key) < 32:
        return Result(Status.FAIL, title, f"SECRET_KEY must be set to a random value of at least 32 characters "
                      f"in production; this one has {len(key)}.", fix)
    if len(set(key)) < 8:
        return Result(Status.WARN, title, f"SECRET_KEY uses only {len(set(key))} different characters: "
                      "it looks typed rather than random.", fix)
    return Result(Status.PASS, title, f"SECRET_KEY is set ({len(key)} characters).")


def data_keys(facts: Facts) -> Result:
    from cryptography.fernet import Fernet

    from config import TestConfig

    title = "Data encryption keys"
    keys = list(facts.settings.get("DATA_KEYS") or [])
    make = "Make a key with: flask --app practice keys generate, and put it first in TWOFOLD_DATA_KEYS."
    if not keys:
        if facts.settings.get("DATA_KEY_FILE"):
            return Result(Status.WARN, title, "TWOFOLD_DATA_KEYS is not set: the key is kept in "
                          f"{facts.settings['DATA_KEY_FILE']} on this machine only.",
                          "Fine on one machine; back that file up apart from the database. " + make)
        return Result(Status.FAIL, title, "TWOFOLD_DATA_KEYS must be set in production: clinical text is "
                      "encrypted with it.", make)
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            return Result(Status.FAIL, title, f"Key {position} in TWOFOLD_DATA_KEYS is not a key made by "
                          "`keys generate`.", make)
    if set(keys) & set(TestConfig.DATA_KEYS):
        return Result(unless_rehearsal(facts), title, "TWOFOLD_DATA_KEYS holds config.py's public test key: "
                      "anyone can read what it encrypts.",
                      make + " Then run flask --app practice keys rotate and drop the test key.")
    return Result(Status.PASS, title, f"{len(keys)} valid key(s); the first encrypts new text.")


def public_url(facts: Facts) -> Result:
    title = "Public address"
    value = facts.settings.get("PUBLIC_URL")
    fix = "Set PUBLIC_URL to the https address people use, such as https://twofold.example.org."
    if not (value or "").strip():
        return Result(Status.FAIL, title, "PUBLIC_URL must be set in production to the address people use to "
                      "reach Twofold: every link in an email is built from it.", fix)
    try:
        scheme, _, _ = parse_public_url(value)
    except PublicURLError as error:
        return Result(Status.FAIL, title, str(error), fix)
    if scheme != "https":
        where = "on this machine only: fine for a trial, not for a practice" if is_rehearsal(facts) \
            else "passwords and answers would cross the network unencrypted"
        return Result(unless_rehearsal(facts), title, f"PUBLIC_URL is plain http ({value}), {where}.",
                      "Serve through a TLS proxy and set PUBLIC_URL to its https address.")
    return Result(Status.PASS, title, f"PUBLIC_URL is {value}.")


def trusted_hosts(facts: Facts) -> Result:
    title = "Trusted hosts"
    extra = list(facts.settings.get("EXTRA_TRUSTED_HOSTS") or [])
    fix = "List bare host names in TRUSTED_HOSTS, comma-separated, such as twofold.example.org,10.0.0.5."
    odd = [host for host in extra if not host or any(c in host for c in "*/@ ")]
    if odd:
        return Result(Status.FAIL, title, f"TRUSTED_HOSTS lists {', '.join(map(repr, odd))}, which is not a "
                      "host name: requests naming it are refused, or anything would be accepted.", fix)
    hosts = dict.fromkeys(host.lower() for host in [public_host(facts.settings.get("PUBLIC_URL") or ""), *extra] if host)
    wide = [host for host in extra if host.startswith(".")]
    if wide:
        return Result(Status.WARN, title, f"TRUSTED_HOSTS accepts every subdomain of {', '.join(wide)}.",
                      "Name the hosts themselves unless every subdomain really is Twofold.")
    return Result(Status.PASS, title, f"Requests may name {', '.join(hosts)}; any other Host gets a 400.")


def proxies(facts: Facts) -> Result:
    title = "Trusted proxies"
    count = int(facts.settings.get("TRUSTED_PROXIES") or 0)
    if count < 0:
        return Result(Status.FAIL, title, f"TRUSTED_PROXIES is {count}; it counts proxies, so 0 or more.",
                      "Set TRUSTED_PROXIES to the number of proxies in front of gunicorn (1 for one nginx).")
    exposed = [bind for bind in (facts.serving.bind if facts.serving else ()) if _on_every_address(bind)]
    if count and exposed:
        return Result(Status.FAIL, title, f"TRUSTED_PROXIES is {count} while gunicorn listens on {exposed[0]}: "
                      "anyone who reaches it without the proxy can claim any address, and so sign in past "
                      "the rate limits.",
                      "Bind gunicorn to 127.0.0.1 or an address only the proxy reaches (HOST=127.0.0.1).")
    https = (facts.settings.get("PUBLIC_URL") or "").startswith("https://")
    if not count and https and not is_rehearsal(facts):
        return Result(Status.WARN, title, "TRUSTED_PROXIES is 0 with an https PUBLIC_URL: if a proxy ends TLS, "
                      "everyone seems to come from its address, and one person's failed sign-ins lock out all.",
                      "Set TRUSTED_PROXIES to the number of proxies in front of gunicorn (1 for one nginx).")
    believed = "forwarded headers are ignored" if not count else \
        f"the address and scheme {'the proxy adds are' if count == 1 else f'the last {count} proxies add are'} believed"
    return Result(Status.PASS, title, f"TRUSTED_PROXIES is {count}: {believed}.")


def _on_every_address(bind: str) -> bool:
    """True for a gunicorn bind on every interface (`0.0.0.0:8000`, `[::]:8000`, or a bare port)."""
    if bind.startswith("unix:"):
        return False
    host = _bind_host(bind)
    try:
        return not host or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False  # a host name, or a unix: socket


def rate_limits(facts: Facts) -> Result:
    title = "Sign-in rate limits"
    settings = facts.settings
    if not settings.get("RATELIMIT_ENABLED", True):
        return Result(unless_rehearsal(facts), title, "RATELIMIT_ENABLED is off: sign-in and codes can be "
                      "guessed as fast as the server answers.", "Remove RATELIMIT_ENABLED=false.")
    uri = settings.get("RATELIMIT_STORAGE_URI") or "memory://"
    instances = int(settings.get("APP_INSTANCES") or 1)
    if not uri.startswith("memory://"):
        processes = f"{facts.serving.workers} worker(s) × {instances} instance(s)" if facts.serving else "every process"
        return Result(Status.PASS, title, f"Counted in {without_password(uri)}, shared by {processes}.")
    fix = "Set RATELIMIT_STORAGE_URI=redis://host:6379/0, one Redis every worker and instance reaches."
    if facts.serving is None:
        if instances > 1:
            return Result(Status.FAIL, title, f"Counted in memory on each of {instances} instances.", fix)
        return Result(Status.WARN, title, "Counted in memory: right only for a single process "
                      "(gunicorn's worker count is checked when it starts).", fix)
    processes = facts.serving.workers * instances
    if processes > 1:
        return Result(Status.FAIL, title, f"Counted in memory, separately in each of {processes} processes "
                      f"({facts.serving.workers} worker(s) × {instances} instance(s)): an attacker gets "
                      f"{processes} times the attempts.", fix)
    return Result(Status.PASS, title, "Counted in memory by the one process that serves.")


def job_queue(facts: Facts) -> Result:
    title = "Job queue"
    queue = facts.settings.get("JOBS_QUEUE") or ""
    worker = "Run flask --app practice jobs worker beside the app."
    if queue == "immediate":
        return Result(unless_rehearsal(facts), title, "JOBS_QUEUE is immediate: exports, large PDFs and email "
                      "run inside the request that asks for them, holding a web worker, and past gunicorn's "
                      "timeout the work is lost.",
                      "Set JOBS_QUEUE=redis://host:6379/1 (or sqlite:///path/jobs.db on one machine). " + worker)
    if queue.startswith("sqlite:///"):
        instances = int(facts.settings.get("APP_INSTANCES") or 1)
        if instances > 1:
            return Result(Status.FAIL, title, f"JOBS_QUEUE is a SQLite file, on one machine, but {instances} "
                          "instances serve: jobs queued on the others never reach a worker.",
                          "Set JOBS_QUEUE=redis://host:6379/1, one Redis every instance and worker reaches.")
        return Result(Status.PASS, title, f"Jobs wait in {queue.removeprefix('sqlite:///')}. {worker}")
    if queue.startswith(("redis://", "rediss://", "unix://")):
        return Result(Status.PASS, title, f"Jobs wait in {without_password(queue)}. {worker}")
    return Result(Status.FAIL, title, f"JOBS_QUEUE must be 'immediate', sqlite:///<file> or redis://<host>, "
                  f"not a {urlsplit(queue).scheme or 'bare'} address.", "Set JOBS_QUEUE=redis://host:6379/1.")


def pdf_timeout(facts: Facts) -> Result:
    title = "PDF render timeout"
    render = float(facts.settings.get("PDF_RENDER_TIMEOUT") or 0)
    if facts.serving is None:
        return Result(Status.WARN, title, f"PDF_RENDER_TIMEOUT is {render:g} s; gunicorn's timeout is checked "
                      "when it starts.", "Serve with gunicorn -c gunicorn.conf.py, which checks it.")
    if not facts.serving.timeout:
        return Result(Status.WARN, title, "gunicorn's timeout is 0, so it never replaces a stuck worker: a "
                      "render that hangs holds that worker until someone restarts it.",
                      "Start gunicorn with -c gunicorn.conf.py (its timeout is PDF_RENDER_TIMEOUT + 30 s) "
                      "and no --timeout.")
    if render >= facts.serving.timeout:
        return Result(Status.FAIL, title, f"PDF_RENDER_TIMEOUT is {render:g} s but gunicorn replaces a worker "
                      f"after {facts.serving.timeout:g} s: a long render would take the worker with it.",
                      "Start gunicorn with -c gunicorn.conf.py (its timeout is PDF_RENDER_TIMEOUT + 30 s) "
                      "and no --timeout, or lower PDF_RENDER_TIMEOUT.")
    return Result(Status.PASS, title, f"PDF_RENDER_TIMEOUT is {render:g} s, below gunicorn's "
                  f"{facts.serving.timeout:g} s.")


def cookies(facts: Facts) -> Result:
    title = "Cookies"
    settings = facts.settings
    names = ("SESSION_COOKIE", "REMEMBER_COOKIE")
    if not all(settings.get(f"{name}_HTTPONLY") and settings.get(f"{name}_SAMESITE") in {"Lax", "Strict"}
               for name in names):
        return Result(Status.FAIL, title, "The sign-in cookies are not all HttpOnly and SameSite: a script or "
                      "another site could use them.", "Restore SESSION_/REMEMBER_COOKIE_HTTPONLY and _SAMESITE "
                      "from config.py.")
    if not all(settings.get(f"{name}_SECURE") for name in names):
        return Result(unless_rehearsal(facts), title, "The sign-in cookies are not Secure: a browser would send "
                      "them over plain http too.", "Remove SESSION_COOKIE_SECURE=false (production's default "
                      "is on) and serve over https.")
    return Result(Status.PASS, title, "Sign-in cookies are Secure, HttpOnly and SameSite.")


# The checks that need the database or the disk ---------------------------------------------


def database(facts: Facts) -> Result:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from practice.extensions import db

    title = "Database"
    where = db.engine.url.render_as_string(hide_password=True)
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    heads = set(scripts.get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return Result(Status.FAIL, title, f"Could not reach {where}: {reason}", "Check DATABASE_URL and that "
                      "the database server is running and accepts this machine.")
    upgrade = "Run flask --app practice db upgrade."
    if not current:
        return Result(Status.FAIL, title, f"{where} answers but has no schema yet.", upgrade)
    if current != heads:
        if not current <= set(revision.revision for revision in scripts.walk_revisions()):
            return Result(Status.FAIL, title, f"{where} is at {', '.join(sorted(current))}, a revision this code "
                          "does not know: newer code has migrated it.", "Deploy the code that migrated it.")
        return Result(Status.FAIL, title, f"{where} is at {', '.join(sorted(current))}, behind this code's "
                      f"{', '.join(sorted(heads))}.", upgrade)
    return Result(Status.PASS, title, f"{where} answers and is migrated to head ({', '.join(sorted(heads))}).")


def audit_chain(facts: Facts) -> Result:
    from sqlalchemy.exc import SQLAlchemyError

    from practice.audit.chain import verify_stored
    from practice.extensions import db

    title = "Audit trail"
    try:
        report = verify_stored(db.session)
    except SQLAlchemyError as error:
        return Result(Status.FAIL, title, f"Could not read the audit trail: {error.__class__.__name__}.",
                      "Fix the database check above first.")
    finally:
        db.session.rollback()  # end the read transaction the walk opened
    if report.broken_at is not None:
        return Result(Status.FAIL, title, f"The chain is broken at event #{report.broken_at}: {report.reason}.",
                      "Restore a backup taken before it, then flask --app practice audit verify "
                      "(see the README's Security section).")
    return Result(Status.PASS, title, f"{report.checked} events, every link intact.")


def backup_age(facts: Facts) -> Result:
    title = "Backups"
    where = facts.settings.get("BACKUP_PATH")
    limit = float(facts.settings.get("BACKUP_MAX_AGE_HOURS") or 26)
    nightly = "flask --app practice backup (SQLite) or pg_dump (PostgreSQL)"
    if not where:
        return Result(Status.WARN, title, "BACKUP_PATH is not set, so the age of the newest backup is not checked.",
                      f"Set BACKUP_PATH to the folder your nightly {nightly} writes to.")
    path = Path(where)
    found = [path] if path.is_file() else [
        entry for entry in (path.iterdir() if path.is_dir() else ()) if entry.is_file() and not entry.name.startswith(".")
    ]
    if not found:
        return Result(Status.FAIL, title, f"No backup in {path}.", f"Make one now with {nightly}, and every night.")
    newest = max(found, key=lambda entry: entry.stat().st_mtime)
    hours = (time.time() - newest.stat().st_mtime) / 3600
    if hours > limit:
        return Result(Status.WARN, title, f"The newest backup, {newest.name}, is {hours:.0f} hours old "
                      f"(BACKUP_MAX_AGE_HOURS is {limit:g}).", f"Check that the nightly {nightly} still runs.")
    return Result(Status.PASS, title, f"The newest backup, {newest.name}, is {hours:.1f} hours old.")


SETTINGS_CHECKS: tuple[Check, ...] = (
    secret_key, data_keys, public_url, trusted_hosts, proxies, rate_limits, job_queue, pdf_timeout, cookies,
)
RUNTIME_CHECKS: tuple[Check, ...] = (database, audit_chain, backup_age)
ALL_CHECKS = SETTINGS_CHECKS + RUNTIME_CHECKS


def run(facts: Facts, checks: Iterable[Check]) -> list[Result]:
    return [check(facts) for check in checks]


def refuse_failures(results: Iterable[Result]) -> None:
    """RuntimeError naming every FAIL, with its fix; nothing when all passed or only warned."""
    failed = [result for result in results if result.status is Status.FAIL]
    if failed:
        reasons = "\n".join(f"  FAIL {r.title}: {r.detail}" + (f"\n       Fix: {r.fix}" if r.fix else "") for r in failed)
        raise RuntimeError(f"Twofold will not start in production until this is put right "
                           f"(flask --app practice doctor lists every check):\n{reasons}")


def report_lines(results: list[Result]) -> Iterator[str]:
    for result in results:
        yield f"{result.status}  {result.title}: {result.detail}"
        if result.fix and result.status is not Status.PASS:
            yield f"      Fix: {result.fix}"
    counts = {status: sum(r.status is status for r in results) for status in Status}
    yield f"{len(results)} checks: {counts[Status.PASS]} PASS, {counts[Status.WARN]} WARN, {counts[Status.FAIL]} FAIL."


def refuse_to_serve(serving: Serving) -> None:
    """gunicorn's on_starting in production: every check with gunicorn's real numbers; RuntimeError on a FAIL.

    gunicorn prints the error and exits 1 before it binds a worker. The engine is
    disposed afterwards, so no connection opened here is shared with the forked workers.
    """
    from practice.extensions import db

    app = unrefused_app()
    with app.app_context():
        results = run(Facts(settings_now(app.config), serving), ALL_CHECKS)
        db.session.remove()
        db.engine.dispose()
    for result in results:
        if result.status is Status.WARN:
            click.echo(f"WARN  {result.title}: {result.detail}", err=True)
    refuse_failures(results)


def unrefused_app() -> Flask:
    """The app for this environment, built without the factory's refusal, to examine it.

    A deployment with a FAIL is exactly the one that needs the full report, and
    the factory's refusal is made of these same checks, all of which run here.
    """
    from config import config_from_environment
    from practice import create_app

    config = config_from_environment()
    return create_app(type(config.__name__, (config,), {"validate": classmethod(lambda cls: None)}))


def app_to_examine(info: ScriptInfo) -> Flask:
    """The app `flask --app` names, or where production refuses to start, the same built unrefused."""
    try:
        return info.load_app()
    except RuntimeError:
        return unrefused_app()


# Registered on the app (practice.cli) and as a `flask.commands` entry point (pyproject.toml),
# which Flask offers even when the app refuses to load: then app_to_examine builds it.
@click.command("doctor")
@click.pass_context
def doctor(context: click.Context) -> None:
    """Check this deployment: PASS / WARN / FAIL for every setting production relies on, with the fix."""
    with app_to_examine(context.ensure_object(ScriptInfo)).app_context():
        settings = settings_now(current_app.config)
        results = run(Facts(settings, planned(settings)), ALL_CHECKS)
    for line in report_lines(results):
        click.echo(line)
    if any(result.status is Status.FAIL for result in results):
        raise SystemExit(1)
