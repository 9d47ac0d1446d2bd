"""How gunicorn serves Twofold: how many workers, and how long one request may take.

`gunicorn.conf.py` and `flask doctor` both ask this module, so the server and its checks agree.

**Workers.** `WEB_CONCURRENCY` when set; otherwise from the cores. PostgreSQL: `2 × cores + 1`, as
a worker mostly waits on the network, at most 8 (each is a ~100 MB copy of the app with its own
connections). SQLite: `cores + 1`, as a request is CPU work and the extra one covers a wait on the
single write lock; at least 2, so one long PDF never stops the practice, at most 4, since more only
queue for that lock.

**Timeout.** A PDF render may take `PDF_RENDER_TIMEOUT`, so the worker's limit is that plus a
margin: a slow PDF costs an apology, never a killed worker.
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
