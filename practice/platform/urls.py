"""Absolute links for emails, built from `PUBLIC_URL` and never from the request.

A request's Host header is whatever the sender typed, so a link built from
it (`url_for(..., _external=True)`) can point a password reset at someone
else's server. Every link that leaves Twofold in an email is built here,
from the configured public address, the same way in a request, in the CLI
and in a queue worker (no request context needed).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


class PublicURLError(RuntimeError):
    """PUBLIC_URL is missing or is not an absolute http(s) address."""


def parse_public_url(value: str | None) -> tuple[str, str, str]:
    """(scheme, host[:port], path prefix) of a PUBLIC_URL, or PublicURLError."""
    parts = urlsplit((value or "").strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise PublicURLError(
            "PUBLIC_URL must be the address people use to reach Twofold, such as "
            f"https://twofold.example.org (scheme and host, nothing after the path), not {value!r}."
        )
    return parts.scheme, parts.netloc.lower(), parts.path.rstrip("/")


def public_host(value: str) -> str:
    """The host name of a PUBLIC_URL (no port), as Host checks compare it."""
    return urlsplit(value.strip()).hostname or ""


def public_url_for(endpoint: str, **values) -> str:
    """The absolute address of `endpoint` at PUBLIC_URL (`_anchor` adds a #fragment)."""
    scheme, netloc, prefix = parse_public_url(current_app.config["PUBLIC_URL"])
    anchor = values.pop("_anchor", None)
    adapter = current_app.url_map.bind(netloc, script_name=prefix or "/", url_scheme=scheme)
    link = adapter.build(endpoint, values, force_external=True)
    return f"{link}#{anchor}" if anchor else link
