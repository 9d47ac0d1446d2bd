"""Markdown for text that partners read: CommonMark without raw HTML, then sanitised."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False})

# Structure and emphasis only: no links, images, attributes or styles reach a partner's page.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "hr", "code"}


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for Markdown text; raw HTML shows as text and anything else is stripped."""
    sanitised = nh3.clean(_markdown.render(text or ""), tags=ALLOWED_TAGS, attributes={})
    # Safe to mark: nh3 has just removed every tag and attribute outside the allowlist.
    return Markup(sanitised)  # nosec B704
