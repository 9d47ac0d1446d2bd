"""How gunicorn serves Twofold: how many workers, and how long one request may take.

`gunicorn.conf.py` and `flask doctor` both ask this module, so the server
and the checks of it can never disagree about the numbers.

**Workers.** `WEB_CONCURRENCY` when set; otherwise chosen from the cores:

- PostgreSQL: gunicorn's classic `2 × cores + 1`, since a worker spends much
  of a request waiting on the network for the database and another worker
  can use the core meanwhile; at most 8, because each worker is a whole copy
  of the app (about 100 MB with WeasyPrint) with its own database connections.
- SQLite: `cores + 1`, at least 2 and at most 4. The database runs inside the
  worker, so a request is CPU work and a worker beyond one per core mostly
  waits; the extra one covers a request waiting on SQLite's single write lock.
  At least 2, so one long PDF render never stops the practice; at most 4,
  since more processes only queue for that one write lock.

**Timeout.** A sync worker silent for `timeout` seconds is killed. A PDF
render may take up to `PDF_RENDER_TIMEOUT` (the render child is stopped
then, and the person gets an apology), so the worker's limit is that plus
a margin to load the data and answer: a slow PDF costs an error message,
never a killed worker.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

TIMEOUT_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class Serving:
    """The numbers gunicorn serves with: planned ones for `flask doctor`, real ones when it starts."""

    workers: int
    timeout: float
    bind: tuple[str, ...] = ()


def worker_count(database_url: str, cores: int | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Workers for this database on this machine (see the module docstring for why)."""
    if environ.get("WEB_CONCURRENCY", "").strip():
        return max(1, int(environ["WEB_CONCURRENCY"]))
    cores = cores or os.cpu_count() or 1
    if database_url.startswith("sqlite"):
        return max(2, min(cores + 1, 4))
    return min(2 * cores + 1, 8)


def worker_timeout(pdf_render_timeout: float) -> int:
    """Seconds a request may run before gunicorn replaces its worker: longer than any PDF render."""
    return int(pdf_render_timeout) + TIMEOUT_MARGIN_SECONDS


def bind_addresses(environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """HOST:PORT from the environment (`make run` passes both); loopback port 8000 otherwise."""
    return (f"{environ.get('HOST', '127.0.0.1')}:{environ.get('PORT', '8000')}",)


def planned(settings: Mapping) -> Serving:
    """What `gunicorn -c gunicorn.conf.py` would serve with, given these settings and this environment."""
    return Serving(
        workers=worker_count(settings["SQLALCHEMY_DATABASE_URI"]),
        timeout=worker_timeout(settings["PDF_RENDER_TIMEOUT"]),
        bind=bind_addresses(),
    )
