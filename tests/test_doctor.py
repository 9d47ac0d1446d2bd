"""`flask doctor`: every deployment check passes a sound configuration and catches a wrong one.

Each check is run on the documented layout (PostgreSQL, Redis, one proxy,
TLS) and then on that layout with one thing wrong, so every check is seen
to pass and to fail. The command is tested for what it prints and its exit
status, and production is seen to refuse to start on a FAIL, naming it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from config import ProductionConfig, TestConfig
from practice import audit, create_app
from practice.cli import doctor
from practice.cli.doctor import Facts, Status
from practice.extensions import db
from practice.platform.database import writing
from practice.platform.serving import Serving

REDIS_PASSWORD = "redis-password-never-shown"
DATA_KEY = Fernet.generate_key().decode()
SECRET = secrets.token_hex(32)
SOUND = {
    "SECRET_KEY": SECRET,
    "DATA_KEYS": [DATA_KEY],
    "DATA_KEY_FILE": None,
    "PUBLIC_URL": "https://twofold.riverbend.example",
    "EXTRA_TRUSTED_HOSTS": [],
    "TRUSTED_PROXIES": 1,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": f"redis://:{REDIS_PASSWORD}@cache.internal:6379/0",
    "APP_INSTANCES": 2,
    "JOBS_QUEUE": f"redis://:{REDIS_PASSWORD}@cache.internal:6379/1",
    "PDF_RENDER_TIMEOUT": 60.0,
    "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": True, "REMEMBER_COOKIE_HTTPONLY": True, "REMEMBER_COOKIE_SAMESITE": "Lax",
}
GUNICORN = Serving(workers=3, timeout=90, bind=("127.0.0.1:8000",))
LOOPBACK = {"PUBLIC_URL": "http://127.0.0.1:8000"}
EXPOSED = Serving(3, 90, ("0.0.0.0:8000",))  # gunicorn on every address: anyone on the network reaches it


def checked(check, serving: Serving | None = GUNICORN, **changes) -> doctor.Result:
    return check(Facts(SOUND | changes, serving))


@pytest.mark.parametrize("check", doctor.SETTINGS_CHECKS, ids=lambda check: check.__name__)
def test_every_settings_check_passes_the_documented_layout(check):
    result = checked(check)
    assert result.status is Status.PASS, result


WRONG = [
    # (check, what is wrong, serving, status, words in the detail)
    (doctor.secret_key, {"SECRET_KEY": ""}, GUNICORN, Status.FAIL, "not set"),
    (doctor.secret_key, {"SECRET_KEY": TestConfig.SECRET_KEY}, GUNICORN, Status.FAIL, "public"),
    (doctor.secret_key, {"SECRET_KEY": "short-and-sweet"}, GUNICORN, Status.FAIL, "at least 32"),
    (doctor.secret_key, {"SECRET_KEY": "ab" * 32}, GUNICORN, Status.WARN, "typed rather than random"),
    (doctor.data_keys, {"DATA_KEYS": []}, GUNICORN, Status.FAIL, "must be set"),
    (doctor.data_keys, {"DATA_KEYS": [DATA_KEY, "not-a-key"]}, GUNICORN, Status.FAIL, "Key 2"),
    (doctor.data_keys, {"DATA_KEYS": TestConfig.DATA_KEYS}, GUNICORN, Status.FAIL, "public test key"),
    (doctor.data_keys, {"DATA_KEYS": TestConfig.DATA_KEYS, **LOOPBACK}, GUNICORN, Status.WARN, "public test key"),
    (doctor.data_keys, {"DATA_KEYS": TestConfig.DATA_KEYS, **LOOPBACK}, EXPOSED, Status.FAIL, "public test key"),
    (doctor.data_keys, {"DATA_KEYS": [], "DATA_KEY_FILE": "/srv/keys"}, GUNICORN, Status.WARN, "this machine only"),
    (doctor.public_url, {"PUBLIC_URL": None}, GUNICORN, Status.FAIL, "must be set"),
    (doctor.public_url, {"PUBLIC_URL": "twofold.riverbend.example"}, GUNICORN, Status.FAIL, "must be the address"),
    (doctor.public_url, {"PUBLIC_URL": "http://twofold.riverbend.example"}, GUNICORN, Status.FAIL, "unencrypted"),
    (doctor.public_url, LOOPBACK, GUNICORN, Status.WARN, "fine for a trial"),
    (doctor.public_url, LOOPBACK, EXPOSED, Status.FAIL, "unencrypted"),
    (doctor.public_url, LOOPBACK, Serving(3, 90, ("127.0.0.1:8000", "10.0.0.5:8000")), Status.FAIL, "unencrypted"),
    (doctor.public_url, {"PUBLIC_URL": "http://localhost:8000"}, Serving(3, 90, ("unix:/run/twofold.sock",)),
     Status.WARN, "fine for a trial"),
    (doctor.trusted_hosts, {"EXTRA_TRUSTED_HOSTS": ["*"]}, GUNICORN, Status.FAIL, "not a host name"),
    (doctor.trusted_hosts, {"EXTRA_TRUSTED_HOSTS": [".riverbend.example"]}, GUNICORN, Status.WARN, "every subdomain"),
    (doctor.proxies, {"TRUSTED_PROXIES": -1}, GUNICORN, Status.FAIL, "0 or more"),
    (doctor.proxies, {}, EXPOSED, Status.FAIL, "claim any address"),
    (doctor.proxies, {}, Serving(3, 90, ("[::]:8000",)), Status.FAIL, "claim any address"),
    (doctor.proxies, {"TRUSTED_PROXIES": 0}, GUNICORN, Status.WARN, "lock out all"),
    (doctor.rate_limits, {"RATELIMIT_STORAGE_URI": "memory://"}, GUNICORN, Status.FAIL, "6 processes"),
    (doctor.rate_limits, {"RATELIMIT_STORAGE_URI": "memory://", "APP_INSTANCES": 1}, Serving(2, 90), Status.FAIL,
     "2 processes"),
    (doctor.rate_limits, {"RATELIMIT_STORAGE_URI": "memory://"}, None, Status.FAIL, "2 instances"),
    (doctor.rate_limits, {"RATELIMIT_STORAGE_URI": "memory://", "APP_INSTANCES": 1}, None, Status.WARN,
     "single process"),
    (doctor.rate_limits, {"RATELIMIT_ENABLED": False}, GUNICORN, Status.FAIL, "is off"),
    (doctor.job_queue, {"JOBS_QUEUE": "immediate"}, GUNICORN, Status.FAIL, "inside the request"),
    (doctor.job_queue, {"JOBS_QUEUE": "immediate", **LOOPBACK}, GUNICORN, Status.WARN, "inside the request"),
    (doctor.job_queue, {"JOBS_QUEUE": "immediate", **LOOPBACK}, EXPOSED, Status.FAIL, "inside the request"),
    (doctor.job_queue, {"JOBS_QUEUE": "sqlite:////srv/jobs.db"}, GUNICORN, Status.FAIL, "never reach a worker"),
    (doctor.job_queue, {"JOBS_QUEUE": "amqp://cache.internal"}, GUNICORN, Status.FAIL, "amqp"),
    (doctor.pdf_timeout, {"PDF_RENDER_TIMEOUT": 90.0}, GUNICORN, Status.FAIL, "take the worker with it"),
    (doctor.pdf_timeout, {}, None, Status.WARN, "checked when it starts"),
    (doctor.pdf_timeout, {}, Serving(3, 0, ("127.0.0.1:8000",)), Status.WARN, "never replaces a stuck worker"),
    (doctor.cookies, {"SESSION_COOKIE_SECURE": False}, GUNICORN, Status.FAIL, "not Secure"),
    (doctor.cookies, {"REMEMBER_COOKIE_SECURE": False, **LOOPBACK}, GUNICORN, Status.WARN, "not Secure"),
    (doctor.cookies, {"REMEMBER_COOKIE_SECURE": False, **LOOPBACK}, EXPOSED, Status.FAIL, "not Secure"),
    (doctor.cookies, {"SESSION_COOKIE_HTTPONLY": False}, GUNICORN, Status.FAIL, "HttpOnly"),
]


@pytest.mark.parametrize(("check", "changes", "serving", "status", "words"), WRONG,
                         ids=[f"{case[0].__name__}-{case[3]}-{n}" for n, case in enumerate(WRONG)])
def test_every_settings_check_catches_what_is_wrong_and_says_how_to_fix_it(check, changes, serving, status, words):
    result = checked(check, serving, **changes)
    assert (result.status, words in result.detail) == (status, True), result
    assert result.fix


def test_before_gunicorn_starts_a_rehearsal_is_judged_by_the_address_host_plans_to_bind(monkeypatch):
    test_keys = {"DATA_KEYS": TestConfig.DATA_KEYS, **LOOPBACK}
    monkeypatch.setenv("HOST", "127.0.0.1")
    assert checked(doctor.data_keys, None, **test_keys).status is Status.WARN
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert checked(doctor.data_keys, None, **test_keys).status is Status.FAIL


def test_what_may_be_shared_passes_with_one_process_and_a_sqlite_queue_on_one_machine():
    one = {"RATELIMIT_STORAGE_URI": "memory://", "APP_INSTANCES": 1, "JOBS_QUEUE": "sqlite:////srv/jobs.db"}
    assert checked(doctor.rate_limits, Serving(1, 90), **one).status is Status.PASS
    assert checked(doctor.job_queue, **one).status is Status.PASS


@pytest.mark.parametrize("changes", [{}, *(case[1] for case in WRONG)])
def test_no_check_ever_shows_a_secret(changes):
    settings = SOUND | changes
    shown = " ".join(f"{r.detail} {r.fix}" for r in doctor.run(Facts(settings, GUNICORN), doctor.SETTINGS_CHECKS))
    for secret in (SECRET, DATA_KEY, REDIS_PASSWORD, *TestConfig.DATA_KEYS, TestConfig.SECRET_KEY):
        assert secret not in shown


# The checks that need the database or the disk ----------------------------------------------


def settled(app) -> Facts:
    db.session.rollback()
    return Facts(doctor.settings_now(app.config), GUNICORN)


def test_the_database_check_passes_at_head_and_fails_behind_it_or_ahead_of_it(app):
    assert doctor.database(settled(app)).status is Status.PASS
    with db.engine.begin() as connection:
        head = connection.scalar(text("SELECT version_num FROM alembic_version"))
    try:
        for revision, words in (("0016", "behind this code's"), ("9999", "does not know")):
            with db.engine.begin() as connection:
                connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
            result = doctor.database(settled(app))
            assert (result.status, words in result.detail) == (Status.FAIL, True), result
            assert "db upgrade" in result.fix or "Deploy" in result.fix
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": head})


@pytest.mark.parametrize(("where", "words"), [("empty.db", "no schema yet"), ("missing/folder/x.db", "Could not reach")])
def test_the_database_check_fails_an_empty_or_unreachable_database(tmp_path, where, words):
    other = create_app(type("Other", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / where}"}))
    with other.app_context():
        result = doctor.database(Facts(doctor.settings_now(other.config), GUNICORN))
        db.engine.dispose()
    assert (result.status, words in result.detail) == (Status.FAIL, True), result


def test_the_audit_check_passes_an_intact_chain_and_fails_an_altered_one(app):
    for n in range(3):
        with writing(db.session()):  # the session itself: writing() asks it in_transaction(), which the scoped proxy lacks
            audit.record("view", record_type="Couple", record_id=n)
    result = doctor.audit_chain(settled(app))
    assert (result.status, result.detail) == (Status.PASS, "3 events, every link intact.")
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        second = connection.scalar(text("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 1"))
        connection.execute(text("UPDATE audit_events SET record_id = 99 WHERE id = :id"), {"id": second})
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    result = doctor.audit_chain(settled(app))
    assert (result.status, f"broken at event #{second}" in result.detail) == (Status.FAIL, True), result


def test_the_backup_check_passes_a_recent_backup_warns_of_an_old_one_and_fails_none(tmp_path):
    def backups(**changes) -> doctor.Result:
        return doctor.backup_age(Facts(SOUND | {"BACKUP_PATH": str(tmp_path), "BACKUP_MAX_AGE_HOURS": 26} | changes, None))

    assert (backups().status, "No backup in" in backups().detail) == (Status.FAIL, True)
    old = tmp_path / "twofold-monday.db"
    old.write_bytes(b"backup")
    two_days_ago = time.time() - 48 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    assert (backups().status, "48 hours old" in backups().detail) == (Status.WARN, True)
    (tmp_path / "twofold-wednesday.db").write_bytes(b"backup")
    assert (backups().status, "twofold-wednesday.db" in backups().detail) == (Status.PASS, True)
    assert backups(BACKUP_PATH=str(old)).status is Status.WARN  # a single file is checked as it is
    assert backups(BACKUP_PATH=None).status is Status.WARN  # not configured: said so, never blocking


# The command, and production refusing to start ------------------------------------------------


@pytest.fixture()
def sound_environment(monkeypatch, app):
    """The documented layout's secrets in the environment, and its settings on the test app."""
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("TWOFOLD_DATA_KEYS", DATA_KEY)
    monkeypatch.setenv("PUBLIC_URL", SOUND["PUBLIC_URL"])
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    for name in ("TRUSTED_PROXIES", "RATELIMIT_STORAGE_URI", "APP_INSTANCES", "JOBS_QUEUE", "SESSION_COOKIE_SECURE",
                 "REMEMBER_COOKIE_SECURE"):
        monkeypatch.setitem(app.config, name, SOUND[name])
    monkeypatch.setitem(app.config, "BACKUP_PATH", None)


def test_doctor_prints_every_check_and_exits_zero_when_nothing_fails(app, sound_environment):
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    titles = ["Secret key", "Data encryption keys", "Public address", "Trusted hosts", "Trusted proxies",
              "Sign-in rate limits", "Job queue", "PDF render timeout", "Cookies", "Database", "Audit trail", "Backups"]
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")][:-1] == \
        [f"{'WARN' if title == 'Backups' else 'PASS'}  {title}" for title in titles]
    assert lines[-1] == "12 checks: 11 PASS, 1 WARN, 0 FAIL."
    assert SECRET not in result.output and DATA_KEY not in result.output and REDIS_PASSWORD not in result.output


def test_doctor_names_each_fail_with_its_fix_and_exits_one(app, sound_environment, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "too-short")
    monkeypatch.setitem(app.config, "JOBS_QUEUE", "immediate")
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "FAIL  Secret key: SECRET_KEY must be set to a random value of at least 32 characters" in result.output
    assert "FAIL  Job queue: JOBS_QUEUE is immediate" in result.output
    assert "      Fix: Set JOBS_QUEUE=redis://" in result.output
    assert result.output.splitlines()[-1] == "12 checks: 9 PASS, 1 WARN, 2 FAIL."
    assert "too-short" not in result.output


def production(**settings) -> type[ProductionConfig]:
    """The documented layout, but with rate limits in memory: the factory cannot know the worker count (WARN)."""
    return type("Production", (ProductionConfig,), {name: SOUND[name] for name in (
        "TRUSTED_PROXIES", "JOBS_QUEUE", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "PUBLIC_URL",
    )} | {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"} | settings)


def test_production_starts_with_everything_right_and_refuses_any_fail_naming_it(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("TWOFOLD_DATA_KEYS", DATA_KEY)
    monkeypatch.setenv("PUBLIC_URL", SOUND["PUBLIC_URL"])
    assert create_app(production()).config["ENV_NAME"] == "production"
    with pytest.raises(RuntimeError) as refused:
        create_app(production(JOBS_QUEUE="immediate", SESSION_COOKIE_SECURE=False))
    message = str(refused.value)
    assert "FAIL Job queue: JOBS_QUEUE is immediate" in message and "FAIL Cookies: The sign-in cookies are not Secure" in message
    assert "Fix: Set JOBS_QUEUE=redis://" in message
    assert "Secret key" not in message  # only what failed is named


def test_doctor_reports_in_full_even_where_production_refuses_to_load_the_app(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "TEST_DATABASE_URL"} | {
        "TWOFOLD_ENV": "production", "SECRET_KEY": SECRET, "TWOFOLD_DATA_KEYS": DATA_KEY,
        "PUBLIC_URL": "http://twofold.riverbend.example", "JOBS_QUEUE": "immediate",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'twofold.db'}", "TWOFOLD_INSTANCE_DIR": str(tmp_path),
    }
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "practice", "doctor"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "FAIL  Public address: PUBLIC_URL is plain http" in done.stdout
    assert "FAIL  Database:" in done.stdout and "has no schema yet" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("12 checks:")
