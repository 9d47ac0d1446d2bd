"""Configuration, read from the environment with safe defaults.

`TWOFOLD_ENV` picks the class: `development` (default), `production`, `test`.
Nothing here needs a `.env` file to import; production refuses to start
on any failed deployment check instead (see `ProductionConfig.validate`).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("TWOFOLD_INSTANCE_DIR", BASE_DIR / "instance"))


def normalise_database_url(url: str) -> str:
    """Point plain `postgres://` / `postgresql://` URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    """A comma-separated environment variable as a list of its non-empty items."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def data_keys_from_environment() -> list[str]:
    """TWOFOLD_DATA_KEYS: comma-separated encryption keys for clinical text, the current one first."""
    return [key.strip() for key in os.environ.get("TWOFOLD_DATA_KEYS", "").split(",") if key.strip()]


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'twofold.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024))
    MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SERVER_NAME = os.environ.get("SERVER_NAME")
    # Where people reach Twofold. Every link in an email is built from it (practice.platform.urls),
    # never from the request's Host header; production refuses to start without it.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # Host names requests may carry besides PUBLIC_URL's (comma-separated); any other Host gets a 400.
    EXTRA_TRUSTED_HOSTS = env_list("TRUSTED_HOSTS")
    # How many reverse proxies in front of Twofold append X-Forwarded-For/-Proto (Werkzeug's
    # ProxyFix). 0 trusts none: forwarded headers are ignored and the socket's address is the client.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    # Where the portal's Quick exit lands after signing the device out: our own neutral page
    # unless the practice names a well-known site (so the address bar shows nothing of Twofold).
    QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL") or None

    # Cookies: HttpOnly and SameSite everywhere; Secure where TLS is guaranteed.
    SESSION_COOKIE_NAME = "twofold_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_NAME = "twofold_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    # How long a sign-in lasts (practice.auth.lifetimes). Clinicians: the
    # practice's idle timeout (15 minutes unless the owner changes it) and at
    # most CLINICIAN_SESSION_HOURS however active. Partners, on phones: idle
    # limits, the longer one only on a device they chose to remember.
    CLINICIAN_SESSION_HOURS = 12
    PARTNER_IDLE = timedelta(hours=2)
    PARTNER_REMEMBERED_IDLE = timedelta(days=30)
    REMEMBER_COOKIE_DURATION = PARTNER_REMEMBERED_IDLE
    SESSION_WARNING_SECONDS = 120  # the page warns this long before an idle sign-out
    REAUTH_MINUTES = 10  # a password typed this recently lets a clinician change email or two-factor
    TWO_FACTOR_PENDING_MINUTES = 5  # time to type the code after the password
    EMAIL_CHANGE_HOURS = 1

    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a long form written between sessions must still post

    # Password hashing: argon2id at argon2-cffi's RFC 9106 low-memory profile
    # (t=3, 64 MiB, p=4), above OWASP's minimum of t=2, 19 MiB.
    ARGON2_PROFILE = "default"

    # Rate limits (Flask-Limiter). In-memory unless a shared store is configured: with
    # several app instances, point every one at the same Redis so they count together.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "twofold")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")

    # Mail (Flask-Mailman): console by default so nothing leaves the machine.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH", str(INSTANCE_DIR / "mail"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Twofold <no-reply@twofold.local>")
    # Seconds an SMTP conversation may stall; well inside the outbox's claim on a message (practice.platform.mail.SENDING).
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", 60))

    # The job queue (practice.platform.jobqueue): "immediate" runs jobs in the web process
    # and needs no worker; sqlite:///<file> or redis://<host>:6379/<db> queue them
    # for `flask --app practice jobs worker`.
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "immediate")
    JOBS_QUEUE_NAME = os.environ.get("JOBS_QUEUE_NAME", "twofold")
    # How far below the web workers the job worker (and the PDF renders it forks) runs, in nice steps:
    # an export's renders then take only the CPU that pages leave. 0 runs it level with them.
    JOBS_NICENESS = int(os.environ.get("JOBS_NICENESS", 19))

    # Encryption at rest (practice.platform.crypto). Keys are loaded on first use, never at import.
    DATA_KEYS = data_keys_from_environment()
    DATA_KEY_FILE: str | None = None

    # PDF summaries: one render may not exceed these, so a pathological record
    # costs an error message, never a worker (see practice/pdf/render.py).
    PDF_MAX_HTML_BYTES = int(os.environ.get("PDF_MAX_HTML_BYTES", 2 * 1024 * 1024))
    PDF_RENDER_TIMEOUT = float(os.environ.get("PDF_RENDER_TIMEOUT", 60))
    PDF_RENDER_MEMORY_MB = int(os.environ.get("PDF_RENDER_MEMORY_MB", 1024))
    # Renders at once when a job makes many PDFs (a record export); 0 means one per core.
    PDF_RENDER_PARALLEL = int(os.environ.get("PDF_RENDER_PARALLEL", 0))

    PASSWORD_RESET_HOURS = 1
    INVITATION_DAYS = 7
    COUPLES_PER_PAGE = 25
    HOMEWORK_PER_PAGE = 20  # a couple's homework on their page
    # A flush outside practice.platform.database.writing() raises instead of upgrading a read transaction.
    STRICT_UNIT_OF_WORK = env_bool("STRICT_UNIT_OF_WORK", False)
    DONE_PER_PAGE = 10  # a partner's sent homework in the portal
    AUDIT_EVENTS_PER_PAGE = 50

    # What `flask doctor` (practice.cli.doctor) checks beyond this process: how many app
    # instances serve the practice (so it knows what must be shared between them), and
    # where the nightly backups land and how old the newest may be.
    APP_INSTANCES = int(os.environ.get("APP_INSTANCES", 1))
    BACKUP_PATH = os.environ.get("BACKUP_PATH") or None
    BACKUP_MAX_AGE_HOURS = float(os.environ.get("BACKUP_MAX_AGE_HOURS", 26))

    @classmethod
    def validate(cls) -> None:
        """Raise if the settings are unsafe for this environment."""


class DevelopmentConfig(Config):
    """`make run` on a laptop: plain HTTP on loopback, mail to the console."""

    DATA_KEY_FILE = str(INSTANCE_DIR / "data_keys")  # used only while TWOFOLD_DATA_KEYS is unset
    EXTRA_TRUSTED_HOSTS = env_list("TRUSTED_HOSTS") or ["127.0.0.1", "localhost"]  # `make run` either way
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", f"sqlite:///{INSTANCE_DIR / 'jobs.db'}")  # `make run` starts a worker


class TestConfig(Config):
    """pytest: a throw-away database, cheap hashes, mail kept in memory."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-real-use"
    PUBLIC_URL = "http://localhost"  # the test client's own host, so links in emails open in the client
    EXTRA_TRUSTED_HOSTS: list[str] = []
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ARGON2_PROFILE = "cheap"
    MAIL_BACKEND = "locmem"
    RATELIMIT_STORAGE_URI = "memory://"
    JOBS_QUEUE = "immediate"
    STRICT_UNIT_OF_WORK = True  # a write outside writing() fails the test that made it
    DATA_KEYS = ["9KJkpXbUfdFZxY34fQwLlMzRX4F-ZFTdGmO8rgujOaI="]  # public, for tests only


class ProductionConfig(Config):
    """Behind a TLS proxy: secure cookies, and every deployment check passed or it will not start."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    PUBLIC_URL = os.environ.get("PUBLIC_URL")  # no default: validate() refuses to start without it

    @classmethod
    def validate(cls) -> None:
        """Refuse to start on any FAIL of `flask doctor`'s settings checks, naming each (practice.cli.doctor).

        Only the checks that need no I/O run here, since the factory does none;
        gunicorn.conf.py's on_starting hook runs the rest (database at head,
        audit chain, backups) with gunicorn's real worker count and timeout.
        """
        from practice.cli.doctor import SETTINGS_CHECKS, Facts, refuse_failures, run, settings_now

        settings = settings_now({name: getattr(cls, name) for name in dir(cls) if name.isupper()})
        refuse_failures(run(Facts(settings, serving=None), SETTINGS_CHECKS))


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    """Pick the configuration class named by `TWOFOLD_ENV`."""
    name = os.environ.get("TWOFOLD_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"TWOFOLD_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
