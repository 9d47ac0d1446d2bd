"""Reading what the app answered: a form's CSRF token, a PDF's text, a page as people see it, a listener's knock."""

from __future__ import annotations

import re
import socket
from io import BytesIO

from pypdf import PdfReader


def csrf_token_in(html: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1).decode()


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def connection_attempted(server: socket.socket) -> bool:
    """Whether a connection is waiting on a `listener` socket."""
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def visible(html):
    """A page as people read it: names' <bdi> wrappers and Unicode isolates (U+2068, U+2069) removed."""
    if isinstance(html, bytes):
        return visible(html.decode()).encode()
    for mark in ("<bdi>", "</bdi>", "\u2068", "\u2069"):
        html = html.replace(mark, "")
    return html
