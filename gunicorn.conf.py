"""gunicorn's settings for Twofold: `make run`, and production (`gunicorn -c gunicorn.conf.py`).

The numbers come from practice.platform.serving, which `flask --app practice doctor`
reads too: workers from the cores (or WEB_CONCURRENCY), and a timeout
derived from the app's own PDF_RENDER_TIMEOUT so the two cannot drift.
"""

import os

from config import config_from_environment
from practice.platform import serving

settings = config_from_environment()

wsgi_app = "practice:create_app()"
bind = list(serving.bind_addresses())
workers = serving.worker_count(settings.SQLALCHEMY_DATABASE_URI)
timeout = serving.worker_timeout(settings.PDF_RENDER_TIMEOUT)
graceful_timeout = timeout  # SIGTERM (a service manager's stop) lets a render in progress finish
accesslog = None  # the audit trail records what matters; a line per request would bury mail and errors
loglevel = "warning"  # quiet start: `make run` prints where it serves and the demo logins itself


def on_starting(server):
    """In production, refuse to start on any FAIL of `flask doctor`, naming it, before a worker boots."""
    if os.environ.get("TWOFOLD_ENV") == "production":
        from practice.cli.doctor import refuse_to_serve

        refuse_to_serve(serving.Serving(server.cfg.workers, server.cfg.timeout, tuple(server.cfg.bind)))
