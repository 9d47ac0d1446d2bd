"""Styled error pages, registered in one place."""

from __future__ import annotations

from flask import Flask, Response, g, make_response, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from practice.extensions import db, login_manager

MESSAGES = {
    400: ("Something in that request didn't look right", "Please go back and try again."),
    403: ("This page isn't available to you", "If you think you should have access, please ask the practice owner."),
    404: ("We couldn't find that page", "It may have moved, or the link may be incomplete."),
    405: ("That didn't work", "Please go back and use the buttons on the page."),
    413: ("That was too much to send at once", "Please shorten what you wrote or send it in smaller parts. Nothing has been saved yet."),
    429: ("Let's slow down for a moment", "There have been too many attempts. Please wait a minute and try again."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Please try again in a moment."),
    503: ("Twofold is taking a short break", "Please try again in a minute. What you saved earlier is safe."),
}


def render_error(code: int, title: str | None = None, detail: str | None = None):
    """Render the shared error page with this status code."""
    default_title, default_detail = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template(
            "errors/error.html", code=code, title=title or default_title, detail=detail or default_detail
        ),
        code,
    )


def register(app: Flask) -> None:
    """Attach handlers for HTTP errors, CSRF failures and crashes."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            "This form had expired",
            "For your safety, forms stop working after a while or in a new browser window. "
            "Please go back, reload the page and send it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        """The database is down or restarting: a calm page that itself needs no database."""
        app.logger.warning("Database unavailable: %s", error.orig)
        return unavailable_page()


def unavailable_page() -> Response:
    """The "short break" page (503), rendered without asking the database anything; what was half done is undone."""
    db.session.rollback()
    g._login_user = login_manager.anonymous_user()  # so no template asks the database who is signed in
    title, detail = MESSAGES[503]
    return make_response(render_template("errors/unavailable.html", title=title, detail=detail), 503,
                         {"Retry-After": "30"})
