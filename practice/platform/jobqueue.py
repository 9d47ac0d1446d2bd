"""The job queue: slow work (outgoing email, large PDFs, exports) leaves the request.

Huey runs it; `JOBS_QUEUE` picks where jobs wait: `immediate` (no queue, the job runs in the
caller: tests, set-ups without a worker), `sqlite:///path/jobs.db` (a file beside the app; `make
run` starts a worker) or `redis://host:6379/0` (production: many machines, one Redis).

Register with `@queue.task("<stable.name>")`, enqueue with `queue.enqueue(function, *args)` (`queue` lives in
practice.extensions); arguments must pickle and should be ids and short strings. After committing a
row naming the job, use `queue.offer`, which never fails the request when the queue is down: the
sweep (practice.jobs.sweep) enqueues the row later. `@queue.periodic("<name>", minutes=1)` runs a task in
every worker; in a worker each task runs in its own application context, so its own session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab

log = logging.getLogger(__name__)
IMMEDIATE = "immediate"


@dataclass
class _Registered:
    function: Callable
    queue_name: str  # what a waiting message calls it: fixed where it is declared, so moving code renames nothing
    options: dict
    every_minutes: int | None = None  # a periodic task: run every this many minutes by each worker


@dataclass
class _AppQueue:
    """One app's Huey, built on first use so creating the app touches no file and no server."""

    app: Flask
    tasks: dict[str, _Registered]
    around: Callable[[], AbstractContextManager]
    huey: Huey | None = None
    wrappers: dict[str, Any] = field(default_factory=dict)

    def ready(self) -> Huey:
        if self.huey is None:
            self.huey = _build(self.app.config["JOBS_QUEUE"], self.app.config["JOBS_QUEUE_NAME"])
            for name, task in self.tasks.items():
                run = _in_context(self.app, task.function, self.around)
                # Huey names a message "<function's module>.<name>": both come from the declared name.
                run.__module__, _, short = task.queue_name.rpartition(".")
                if task.every_minutes is None:
                    wrapper = self.huey.task(name=short, **task.options)
                else:
                    wrapper = self.huey.periodic_task(crontab(minute=f"*/{task.every_minutes}"), name=short,
                                                      **task.options)
                self.wrappers[name] = wrapper(run)
        return self.huey


class JobQueue:
    """A Flask extension around Huey: register tasks at import, bind a queue per app."""

    def __init__(self) -> None:
        self._tasks: dict[str, _Registered] = {}

    def init_app(self, app: Flask, *, around: Callable[[], AbstractContextManager]) -> None:
        """Bind to `app`; every job runs inside `around()` (the factory's unit of work) and an app context."""
        app.config.setdefault("JOBS_QUEUE", IMMEDIATE)
        app.config.setdefault("JOBS_QUEUE_NAME", "twofold")
        app.extensions["twofold_queue"] = _AppQueue(app, self._tasks, around)

    def task(self, name: str, **options) -> Callable[[Callable], Callable]:
        """Make a function the task `name` (Huey options such as `retries=3, retry_delay=60`); it stays callable.

        `name` is what waiting messages call it: keep it when the code moves, or a deploy drops them.
        """

        def register(function: Callable) -> Callable:
            self._add(_Registered(function, name, options))
            return function

        return register

    def periodic(self, name: str, *, minutes: int, **options) -> Callable[[Callable], Callable]:
        """Make a function without arguments the task `name`, run every `minutes` in each worker."""

        def register(function: Callable) -> Callable:
            self._add(_Registered(function, name, options, every_minutes=minutes))
            return function

        return register

    def _add(self, task: _Registered) -> None:
        if "." not in task.queue_name or any(t.queue_name == task.queue_name for t in self._tasks.values()):
            raise ValueError(f"a task name is dotted and unique: {task.queue_name!r}")
        self._tasks[_name(task.function)] = task

    def queue_names(self) -> list[str]:
        """What messages call the registered tasks."""
        return sorted(task.queue_name for task in self._tasks.values())

    def offer(self, function: Callable, *args) -> bool:
        """Enqueue after a commit; if the queue cannot be reached, log it and return False instead of raising.

        The committed row is left for the sweep, so a request that saved its work still succeeds; in
        `immediate` mode the job's own errors reach the caller, as with `enqueue`.
        """
        if current_app.config["JOBS_QUEUE"] == IMMEDIATE:
            self.enqueue(function, *args)
            return True
        try:
            self.enqueue(function, *args)
        except Exception:  # Redis or the jobs file unreachable: the sweep tries again
            log.exception("could not put %s%r on the queue; the sweep will", _name(function), args)
            return False
        return True

    def enqueue(self, function: Callable, *args) -> None:
        """Run a registered task on the queue, or now in `immediate` mode (errors then reach the caller)."""
        name = _name(function)
        if name not in self._tasks:
            raise LookupError(f"{name} is not a registered task; decorate it with @queue.task()")
        if current_app.config["JOBS_QUEUE"] == IMMEDIATE:
            function(*args)
            return
        bound = current_app.extensions["twofold_queue"]
        bound.ready()
        bound.wrappers[name](*args)

    def waiting(self) -> int:
        """How many messages wait on this app's queue, not yet taken by a worker (0 in `immediate` mode)."""
        if current_app.config["JOBS_QUEUE"] == IMMEDIATE:
            return 0
        return current_app.extensions["twofold_queue"].ready().pending_count()

    def huey(self, app: Flask) -> Huey:
        """The app's Huey (for the worker command and for tests that inspect the queue)."""
        if app.config["JOBS_QUEUE"] == IMMEDIATE:
            raise RuntimeError("JOBS_QUEUE is 'immediate': jobs run in the web process and no worker is needed.")
        return app.extensions["twofold_queue"].ready()


def _name(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _build(url: str, name: str) -> Huey:
    """A Huey for `sqlite:///path` or `redis://...`; results are not kept (jobs record their own outcome)."""
    if url.startswith("sqlite:///"):
        return SqliteHuey(name, filename=url.removeprefix("sqlite:///"), results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    raise RuntimeError(f"JOBS_QUEUE must be 'immediate', sqlite:///<file> or redis://<host>, not {url!r}")


def _in_context(app: Flask, function: Callable, around: Callable[[], AbstractContextManager]) -> Callable:
    """Run a task inside its own application context and the app's `around` (the unit of work, given by the factory)."""

    @wraps(function)
    def run(*args):
        with app.app_context(), around():
            return function(*args)

    return run
