"""Command-line entry points, registered on the app in the factory."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    """Add Twofold's commands to `flask --app practice ...`."""

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
