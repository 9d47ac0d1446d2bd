"""Jinja filters and globals shared by all templates; features lend theirs in the factory."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user
from markupsafe import Markup, escape

from practice import domain
from practice.web import page_links
from practice.web.formtools import problems
from practice.web.markdown import render_markdown


def practice_zone() -> ZoneInfo:
    """The signed-in person's practice time zone (UTC for visitors)."""
    practice = getattr(current_user, "practice", None)
    return ZoneInfo(practice.timezone if practice else "UTC")


def local_datetime(value: datetime | None, fmt: str = "%-d %b %Y, %H:%M", zone: str | None = None) -> str:
    """A UTC datetime shown in the practice's time zone (or `zone`, for documents made outside a request)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone) if zone else practice_zone()).strftime(fmt)


def long_date(value: date | None) -> str:
    """A calendar date written out for people: 3 Nov 2026."""
    return value.strftime("%-d %b %Y") if value else ""


FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate


def isolate(value) -> str:
    """A user-supplied name for plain text (page titles, emails, PDFs' text, messages): Unicode-isolated.

    Inside the isolates the name keeps its own direction (Arabic, Hebrew), and
    nothing in it can reorder our words before or after it.
    """
    text = "" if value is None else str(value)
    if not text or (text.startswith(FSI) and text.endswith(PDI)):
        return text
    return f"{FSI}{text}{PDI}"


def bdi(value) -> Markup:
    """A user-supplied name in HTML: escaped and wrapped in <bdi>, the element made for this."""
    text = "" if value is None else str(value)
    return Markup("<bdi>%s</bdi>") % escape(text) if text else Markup("")


def register(app: Flask) -> None:
    """Add the filters and the domain vocabulary to every template."""
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(bdi, "bdi")
    app.add_template_filter(isolate, "isolate")
    app.add_template_global(domain, "domain")
    app.add_template_global(problems, "form_problems")
    page_links.register(app)


def practice_today() -> date:
    """Today's date where the practice is."""
    return datetime.now(practice_zone()).date()
