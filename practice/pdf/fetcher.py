"""The only way WeasyPrint may load anything: our own files under static/pdf/.

Every URL in a PDF's HTML and CSS reaches WeasyPrint's URL fetcher: style
sheets, fonts, images, SVG references and attachments. Ours answers only for
`ASSET_BASE_URL`, a made-up origin under the reserved `.invalid` top-level
domain (RFC 2606, it can never resolve), and maps it onto `ASSET_ROOT`.
Everything else is refused without being opened: http(s) elsewhere, file:,
data:, ftp:, relative paths, and anything that resolves (through `..`,
percent-encoding or a symlink) outside the folder. Relative URLs in our
templates and CSS resolve against the base URL as they would on a web server.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSET_BASE_URL = "https://pdf-assets.twofold.invalid/"
ASSET_ROOT = Path(__file__).resolve().parent.parent / "static" / "pdf"

# What may be served, by file suffix; anything else under the folder is refused.
CONTENT_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
}

log = logging.getLogger(__name__)
_BASE = urlsplit(ASSET_BASE_URL)


class RefusedURL(ValueError):
    """A URL outside our PDF assets; WeasyPrint logs it and leaves the resource out."""


class AssetFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves our PDF assets and nothing else."""

    def __init__(self, root: Path = ASSET_ROOT) -> None:
        # No protocol is allowed for the inherited urllib machinery, in case
        # anything ever reaches it; `fetch` below never calls it.
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Serve one asset file, or raise `RefusedURL`."""
        path = self.resolve(url)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": CONTENT_TYPES[path.suffix]}
        )

    def resolve(self, url: str) -> Path:
        """The asset file a URL names, or `RefusedURL` if it names anything else."""
        relative = _asset_path(url)
        path = (self.root / relative).resolve()  # follows symlinks, removes `..`
        if not (path.is_relative_to(self.root) and path.is_file() and path.suffix in CONTENT_TYPES):
            raise _refuse(url, "is not one of our PDF assets")
        return path


def _asset_path(url: str) -> str:
    """The path below the asset origin, percent-decoded; refuses other origins."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _refuse(url, "is malformed") from None
    same_origin = (parts.scheme, parts.netloc) == (_BASE.scheme, _BASE.netloc)
    if not same_origin or not parts.path.startswith(_BASE.path) or parts.query or parts.fragment:
        raise _refuse(url, "is not on the PDF asset origin")
    relative = unquote(parts.path[len(_BASE.path) :])
    if not relative or "\\" in relative or "\0" in relative:
        raise _refuse(url, "has no usable path")
    return relative


def _refuse(url: str, reason: str) -> RefusedURL:
    """Log a refusal by scheme only (the URL itself may carry client text)."""
    scheme = url.split(":", 1)[0][:16] if ":" in url else "relative"
    log.warning("PDF fetcher refused a %s URL: it %s", scheme, reason)
    return RefusedURL(f"{scheme} URL refused: it {reason}")
