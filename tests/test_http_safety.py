"""Security headers, cookie flags, styled error pages and production settings."""

from __future__ import annotations

import pytest
from flask import abort

from config import ProductionConfig, TestConfig
from practice import create_app
from tests.logins import login


@pytest.mark.asvs("14.4.3")
def test_every_page_has_strict_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


@pytest.mark.asvs("14.4.3")
def test_pages_use_no_inline_scripts_or_styles(logged_in):
    for path in ["/couples/", "/couples/new", "/account/", "/practice/", "/practice/team"]:
        html = logged_in.get(path).data
        assert b"<script>" not in html and b" style=" not in html and b"<style" not in html, path


@pytest.mark.asvs("3.4.2")
def test_session_cookie_flags(client, clinician):
    response = login(client, clinician)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("twofold_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture()
def failing_app():
    """A fresh app with routes that fail on purpose (routes must exist before the first request)."""
    app = create_app(TestConfig)
    for code in (400, 403, 404, 413, 429, 500):
        app.add_url_rule(f"/fail/{code}", f"fail_{code}", lambda code=code: abort(code))
    app.add_url_rule("/fail/crash", "crash", crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def crash():
    raise RuntimeError("boom")


@pytest.mark.parametrize("code, words", [
    (400, b"didn&#39;t look right"), (403, b"isn&#39;t available"), (404, b"find that page"),
    (413, b"too much to send"), (429, b"slow down"), (500, b"went wrong on our side"),
])
def test_styled_error_pages(failing_app, code, words):
    response = failing_app.test_client().get(f"/fail/{code}")
    assert response.status_code == code
    assert words in response.data
    assert b"Go to the start page" in response.data


@pytest.mark.asvs("7.4.1")
def test_an_unexpected_crash_shows_a_calm_page(failing_app):
    response = failing_app.test_client().get("/fail/crash")
    assert response.status_code == 500
    assert b"Nothing you did caused this" in response.data


def test_an_oversized_request_gets_the_413_page(app, client):
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data={"email": "a@example.com", "password": body})
    assert response.status_code == 413
    assert b"too much to send" in response.data


@pytest.mark.asvs("14.1.3")
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setenv("SECRET_KEY", "too-short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


@pytest.mark.asvs("3.4.1")
def test_production_sends_secure_cookies_and_hsts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("TWOFOLD_DATA_KEYS", "9KJkpXbUfdFZxY34fQwLlMzRX4F-ZFTdGmO8rgujOaI=")
    monkeypatch.setenv("PUBLIC_URL", "https://localhost")
    app = create_app(type("Production", (ProductionConfig,), {"PUBLIC_URL": "https://localhost"}))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.test_request_context():
        response = app.test_client().get("/healthz")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


@pytest.mark.asvs("7.4.1")
def test_an_unreachable_database_gets_a_calm_503_page_even_when_signed_in(logged_in, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from practice.extensions import db

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)  # the first query of a signed-in request: the user loader
    response = logged_in.get("/couples/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert b"Twofold is taking a short break" in response.data
    assert b"connection refused" not in response.data and b"Traceback" not in response.data
