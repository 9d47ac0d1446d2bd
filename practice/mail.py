"""Sending templated email through Flask-Mailman's configured backend, from the job queue.

The message is rendered where it is asked for (links need the request's
host), then handed to the queue, so a slow or unreachable mail server never
holds up a page. With `JOBS_QUEUE=immediate` it is sent at once, and a
failure reaches the caller as before.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives

from practice.extensions import queue


def send_templated(to: str, subject: str, template: str, **context) -> None:
    """Send `templates/email/<template>.txt` with its `.html` twin as an alternative."""
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    queue.enqueue(deliver, to, subject, text, html)


@queue.task(retries=3, retry_delay=60)
def deliver(to: str, subject: str, text: str, html: str) -> None:
    """Hand one rendered message to the mail backend; on the queue, a refusal is retried three times."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    message.send()
