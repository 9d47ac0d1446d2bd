"""Command-line entry points, registered on the app in the factory."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from practice.cli import doctor

audit_cli = AppGroup("audit", help="Check the audit trail.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Walk the audit trail's hash chain; exit non-zero at the first broken link."""
    from practice.audit.chain import verify_stored
    from practice.extensions import db

    report = verify_stored(db.session)
    if report.broken_at is not None:
        raise click.ClickException(
            f"The audit trail is broken at event #{report.broken_at}: {report.reason}. "
            f"The {report.checked} events before it are intact."
        )
    click.echo(f"The audit trail is intact: {report.checked} events. Head hash: {report.head}")
    click.echo("Keep the head hash somewhere else: a later trail that no longer contains it was cut short.")


keys_cli = AppGroup("keys", help="Manage the keys that encrypt clinical text.")


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new data key, to put first in TWOFOLD_DATA_KEYS."""
    from practice.platform.crypto import generate_key

    click.echo(generate_key())


@keys_cli.command("rotate")
@click.option("--batch-size", type=click.IntRange(min=1), default=500, show_default=True, help="Rows per transaction.")
def keys_rotate(batch_size: int) -> None:
    """Re-encrypt every encrypted column with the first key in TWOFOLD_DATA_KEYS."""
    from practice.extensions import db
    from practice.platform.key_rotation import rotate_all

    rotated = rotate_all(db.metadata, batch_size)
    if not rotated:
        click.echo("No table has encrypted columns yet; nothing to re-encrypt.")
        return
    for table, rows in rotated.items():
        click.echo(f"  {table}: {rows} rows re-encrypted")
    click.echo("Every encrypted value now uses the current key; older keys can be removed.")


jobs_cli = AppGroup("jobs", help="The job queue: email, large PDFs and exports.")


def run_beneath_requests(niceness: int) -> None:
    """Lower this process's CPU priority by `niceness`; the render server and its children inherit it.

    An export renders a PDF per core at once, which at the web workers' priority halves every page's
    speed; niced, the renders take what the pages leave.
    """
    if niceness > 0:
        os.nice(niceness)


@jobs_cli.command("worker")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True, help="Jobs run at once (threads).")
def jobs_worker(workers: int) -> None:
    """Run queued jobs until stopped (Ctrl+C, or SIGTERM from a service manager), and the sweep every minute."""
    import logging

    from flask import current_app

    from practice.extensions import queue

    try:
        huey = queue.huey(current_app._get_current_object())
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from practice.pdf import render_server

    run_beneath_requests(current_app.config["JOBS_NICENESS"])
    render_server.start()  # before the consumer's threads: render children are forked from it, never from them
    click.echo(f"Running jobs from {current_app.config['JOBS_QUEUE']} with {workers} worker thread(s).")
    try:
        huey.create_consumer(workers=workers, worker_type="thread").run()
    finally:
        render_server.stop()


@jobs_cli.command("sweep")
def jobs_sweep() -> None:
    """Queue what the queue missed, take back jobs from stopped workers, erase expired exports (workers do it every minute)."""
    from practice.jobs.sweep import sweep
    from practice.models import utcnow

    click.echo(f"Swept: {sweep(utcnow())}.")


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Copy the SQLite database to FILE while Twofold runs (PostgreSQL: explains pg_dump)."""
    from practice.platform.backup import backup_to

    revision = backup_to(file)
    click.echo(f"Backed up to {file} (schema revision {revision}).")
    click.echo("Keep the data keys (TWOFOLD_DATA_KEYS or instance/data_keys) safe too, but apart from backups.")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Really replace the current database.")
def restore(file: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup in FILE (stop Twofold first)."""
    from practice.platform.backup import BackupError, database_revision, live_database, restore_from

    database_revision(file)
    if not yes:
        raise BackupError(
            f"This replaces the whole database at {live_database()} with {file}. "
            "Stop Twofold, then run the command again with --yes."
        )
    revision, kept = restore_from(file)
    click.echo(f"Restored {file} (schema revision {revision}). The replaced database is kept at {kept}.")
    click.echo("Next: flask --app practice db upgrade, then flask --app practice audit verify.")


@click.command("report")
@with_appcontext
@click.argument("session_id", type=int)
@click.option("--copy", "copy", type=click.Choice(["clinician", "couple"]), required=True,
              help="clinician: everything, marked confidential; couple: the handout the couple may read.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="The PDF file to write.")
def report(session_id: int, copy: str, output: Path) -> None:
    """Write one session's clinician copy or couple handout to a PDF file (recorded as an export)."""
    from practice.extensions import db
    from practice.models import TherapySession
    from practice.pdf import PdfError
    from practice.sessions.delivery import export_copy

    session = db.session.get(TherapySession, session_id)
    if session is None:
        raise click.ClickException(f"There is no session #{session_id}.")
    try:
        export_copy(session, copy, output)
    except (PdfError, OSError) as error:
        raise click.ClickException(f"No PDF was written: {getattr(error, 'message', error)}") from None
    what = "clinician copy" if copy == "clinician" else "couple handout"
    click.echo(f"Wrote the {what} of session {session.number} (couple #{session.couple_id}) to {output}.")


def register(app: Flask) -> None:
    """Add Twofold's commands to `flask --app practice ...`."""
    for command in (audit_cli, keys_cli, jobs_cli, backup, restore, report, doctor.doctor):
        app.cli.add_command(command)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo practice (idempotent) and print the demo logins."""
        from practice.demo.seed import DEMO_PASSWORD, seed

        logins = seed()
        click.echo("\nDemo data is ready. It is for trying Twofold, never for real records.")
        click.echo(f"Every demo account's password is: {DEMO_PASSWORD}")
        for role, email in logins:
            click.echo(f"  {role:<28} {email}")
        click.echo("Therapists sign in at /login; partners sign in to their portal at /portal/login.")

    @app.cli.group("library")
    def library() -> None:
        """The exercise library."""

    @library.command("sync")
    def library_sync() -> None:
        """Load the built-in exercise files into the database (idempotent, never deletes)."""
        from practice.library.loader import LibraryFileError, load_builtins
        from practice.library.services import sync_builtins

        try:
            report = sync_builtins(load_builtins())
        except LibraryFileError as error:
            raise click.ClickException(f"The built-in exercises were not synced:\n{error}") from None
        for line in report.lines():
            click.echo(line)

    @app.cli.command("send-reminders")
    def send_reminders() -> None:
        """Email homework reminders, and safety notices and their escalations (safe to run often)."""
        from practice.checkins import notices
        from practice.homework.reminders import send_reminders as send
        from practice.models import utcnow

        click.echo(f"Sent {send(utcnow())} reminder(s).")  # links come from PUBLIC_URL (practice.platform.urls)
        recorded, sent = notices.run(utcnow())
        click.echo(f"Sent {sent} safety notice(s); {recorded} escalated to practice owners.")
