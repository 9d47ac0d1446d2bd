"""Which Host a request may name, and which proxies may say who the client is.

- **Host.** Flask's `TRUSTED_HOSTS` is set to PUBLIC_URL's host plus the
  `TRUSTED_HOSTS` environment list; a request naming any other host gets the
  styled 400 page (Werkzeug raises `SecurityError` while routing). Emailed
  links never use the Host anyway (practice.urls); this keeps every other
  absolute address (redirects, `url_for(_external=True)`) honest too.
- **Proxies.** With `TRUSTED_PROXIES = n`, Werkzeug's `ProxyFix` takes the
  client's address and scheme from the last `n` entries of
  `X-Forwarded-For` / `X-Forwarded-Proto`, so rate limits and the audit
  trail see the person, not the proxy. With 0 (the default) those headers
  are ignored: anyone can send them, and only a proxy we run may be believed.
  The setting is read on every request, so tests can change it.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from practice.urls import parse_public_url, public_host


def configure_hosts(app: Flask) -> None:
    """Trust PUBLIC_URL's host (and the extra list) unless TRUSTED_HOSTS was given outright."""
    if app.config.get("TRUSTED_HOSTS") is None:
        parse_public_url(app.config["PUBLIC_URL"])  # a clear error for a malformed address
        hosts = [public_host(app.config["PUBLIC_URL"]), *app.config.get("EXTRA_TRUSTED_HOSTS", [])]
        app.config["TRUSTED_HOSTS"] = list(dict.fromkeys(hosts))
    app.wsgi_app = TrustedProxies(app, app.wsgi_app)  # type: ignore[method-assign]


class TrustedProxies:
    """ProxyFix for exactly `TRUSTED_PROXIES` proxies, or nothing when it is 0."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._fixed: dict[int, ProxyFix] = {}

    def __call__(self, environ, start_response):
        count = int(self.app.config.get("TRUSTED_PROXIES") or 0)
        if count <= 0:
            return self.wsgi_app(environ, start_response)
        if count not in self._fixed:
            self._fixed[count] = ProxyFix(self.wsgi_app, x_for=count, x_proto=count)
        return self._fixed[count](environ, start_response)
