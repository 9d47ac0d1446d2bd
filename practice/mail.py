"""Sending templated email through Flask-Mailman's configured backend."""

from __future__ import annotations

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives


def send_templated(to: str, subject: str, template: str, **context) -> None:
    """Send `templates/email/<template>.txt` with its `.html` twin as an alternative."""
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    message.send()
