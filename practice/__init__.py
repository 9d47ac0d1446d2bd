"""Twofold: a practice companion for couples therapists."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config, config_from_environment


def create_app(config: type[Config] | None = None) -> Flask:
    """Build the application. Does no I/O: migrations run via `flask db upgrade`."""
    config = config or config_from_environment()
    config.validate()
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    app.config.from_object(config)
    register_edges(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_edges(app: Flask) -> None:
    """Trusted Host names and trusted proxies (practice.platform.hosts)."""
    from practice.platform.hosts import configure_hosts

    configure_hosts(app)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions from `practice.extensions`."""
    from practice.audit.chain import seal_on_flush
    from practice.auth.loader import configure_login
    from practice.extensions import csrf, db, limiter, mail, migrate, queue
    from practice.platform.database import configure_engine, guard_unit_of_work, job_unit_of_work
    from practice.platform.mail import queue_after_commit

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    guard_unit_of_work()  # the session hooks: installed here, never as a side effect of an import
    seal_on_flush()
    queue_after_commit()
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    queue.init_app(app, around=job_unit_of_work)
    configure_login(app)


def register_url_converters(app: Flask) -> None:
    """`<int:...>` in every route stops at the database's largest id: 10**30 is a 404, not a 500.

    Set before any blueprint is registered, since rules pick their converters when added.
    """
    from werkzeug.routing import IntegerConverter

    from practice.web.formtools import MAX_INT

    class BoundedIntegerConverter(IntegerConverter):
        def __init__(self, map, *args, **kwargs) -> None:
            kwargs.setdefault("max", MAX_INT)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedIntegerConverter


def register_blueprints(app: Flask) -> None:
    """Mount each feature's blueprint."""
    from practice.audit_pages.views import bp as audit_bp
    from practice.audit_pages.views import owner_bp as practice_audit_bp
    from practice.auth.security_views import bp as security_bp
    from practice.auth.security_views import presence as presence_bp
    from practice.auth.views import account as account_bp
    from practice.auth.views import bp as auth_bp
    from practice.checkins.views import bp as checkins_bp
    from practice.couples.views import bp as couples_bp
    from practice.homework.views import bp as homework_bp
    from practice.jobs.undelivered import bp as undelivered_bp
    from practice.jobs.views import bp as jobs_bp
    from practice.library.views import bp as library_bp
    from practice.main.views import bp as main_bp
    from practice.portal.checkin_views import bp as portal_checkins_bp
    from practice.portal.quick_exit import bp as away_bp
    from practice.portal.views import bp as portal_bp
    from practice.practices.views import bp as practices_bp
    from practice.records.views import bp as records_bp
    from practice.sessions.views import bp as sessions_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(security_bp)
    app.register_blueprint(presence_bp)
    app.register_blueprint(practices_bp)
    app.register_blueprint(undelivered_bp)
    app.register_blueprint(couples_bp)
    app.register_blueprint(checkins_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(library_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(portal_checkins_bp)
    app.register_blueprint(away_bp)
    app.register_blueprint(homework_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(practice_audit_bp)


def register_error_handlers(app: Flask) -> None:
    """Styled pages for every error a person can meet."""
    from practice.web.error_pages import register

    register(app)


def register_request_hooks(app: Flask) -> None:
    """Session lifetimes checked before every request; the request's audit views written after it; security headers.

    Hooks run last-registered first: a stray write (practice.platform.database) is settled, then the
    audit trail written, then headers added to whichever response goes out (a 503 if the trail failed).
    """
    from practice.audit.services import write_queued_events
    from practice.auth.lifetimes import enforce
    from practice.platform.database import settle_request_writes
    from practice.web.headers import add_security_headers

    app.before_request(enforce)
    app.after_request(add_security_headers)
    app.after_request(write_queued_events)
    app.after_request(settle_request_writes)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share: the web layer's, then those features lend every page."""
    from practice.auth import form_tokens
    from practice.auth.lifetimes import session_clock
    from practice.portal.contacts import contact_links, number_links
    from practice.practices.crisis import crisis_numbers
    from practice.web import templating

    templating.register(app)
    form_tokens.register(app)
    app.add_template_filter(contact_links, "contact_links")
    app.add_template_filter(number_links, "number_links")
    app.add_template_global(crisis_numbers, "crisis_numbers")
    app.add_template_global(session_clock, "session_clock")


def register_commands(app: Flask) -> None:
    """`flask --app practice seed-demo` and friends."""
    from practice.cli import register

    register(app)
