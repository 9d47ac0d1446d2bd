"""Which Host a request may name, and which proxies may say who the client is.

- **Host.** `SERVED_HOSTS` is PUBLIC_URL's host plus the `TRUSTED_HOSTS` list. Any other host gets
  the styled 400 page, answered as if sent to PUBLIC_URL's host (so it never echoes the stranger's
  host) and refused before any view runs. Flask's own TRUSTED_HOSTS check is not used: it fails
  while routing, before the error page can build its links.
- **Proxies.** With `TRUSTED_PROXIES = n`, `ProxyFix` takes the client's address and scheme from
  the last `n` `X-Forwarded-*` entries, so rate limits and the audit trail see the person; with 0
  (the default) they are ignored, since anyone can send them.

Both settings are read on every request, so tests can change them.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from practice.platform.urls import parse_public_url, public_host

UNTRUSTED_HOST = "twofold.untrusted_host"


def configure_hosts(app: Flask) -> None:
    """Serve PUBLIC_URL's host (and the extra list); wrap the app in the proxy and Host checks."""
    if app.config.get("SERVED_HOSTS") is None:
        parse_public_url(app.config["PUBLIC_URL"])  # a clear error for a malformed address
        hosts = [public_host(app.config["PUBLIC_URL"]), *app.config.get("EXTRA_TRUSTED_HOSTS", [])]
        app.config["SERVED_HOSTS"] = list(dict.fromkeys(host.lower() for host in hosts))
    app.wsgi_app = EdgeChecks(app, app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(refuse_untrusted_host)


def refuse_untrusted_host() -> None:
    """The first check of every request: a Host that is not ours is a 400, before anything else runs."""
    if request.environ.get(UNTRUSTED_HOST):
        abort(400)


class EdgeChecks:
    """Mark requests for a Host we don't serve; ProxyFix for exactly `TRUSTED_PROXIES` proxies."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._fixed: dict[int, ProxyFix] = {}

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is not None and not host_is_trusted(host.lower(), self.app.config["SERVED_HOSTS"]):
            environ[UNTRUSTED_HOST] = host
            environ["HTTP_HOST"] = parse_public_url(self.app.config["PUBLIC_URL"])[1]
        count = int(self.app.config.get("TRUSTED_PROXIES") or 0)
        if count <= 0:
            return self.wsgi_app(environ, start_response)
        if count not in self._fixed:
            self._fixed[count] = ProxyFix(self.wsgi_app, x_for=count, x_proto=count)
        return self._fixed[count](environ, start_response)
