"""Sending templated email from an outbox, through the job queue.

`send_templated` renders the message where it is asked for, stores it as an
`OutgoingEmail` row whose address, subject and body are encrypted at rest,
commits, and queues only the row's id: a live link in an email is never
readable in the queue (Redis, the SQLite jobs file) or in the database.
The worker sends it and erases the body. Links come from `PUBLIC_URL`
(practice.urls), so rendering needs no request.

`send_composed` is for messages whose very existence would tell something
(a password reset for an address that has no account): the request only
stores the address and queues the row, the same work whatever the answer,
and a composer registered with `@composer(name)` decides in the worker what,
if anything, to send. Mail is then sent outside the request, so SMTP
latency or failure shows nothing to the person asking.

With `JOBS_QUEUE=immediate` (tests, and set-ups without a worker) the job
runs at once in the caller, and a refusal reaches the caller as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives

from practice.extensions import db, queue
from practice.models import OutgoingEmail, utcnow


class Composed(NamedTuple):
    subject: str
    text: str
    html: str


_COMPOSERS: dict[str, Callable[[str], Composed | None]] = {}


def render(subject: str, template: str, **context) -> Composed:
    """`templates/email/<template>.txt` with its `.html` twin."""
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    return Composed(subject, text, html)


def send_templated(to: str, subject: str, template: str, **context) -> None:
    """Render a message now, keep it sealed in the outbox and queue its delivery (commits)."""
    message = render(subject, template, **context)
    _queue(OutgoingEmail(recipient=to, subject=message.subject, body_text=message.text, body_html=message.html))


def send_composed(name: str, to: str) -> None:
    """Queue a message that the composer `name` writes in the worker, or decides not to send (commits)."""
    if name not in _COMPOSERS:
        raise LookupError(f"{name} is not a registered composer; decorate it with @composer({name!r})")
    _queue(OutgoingEmail(composer=name, recipient=to))


def composer(name: str):
    """Register `function(address) -> Composed | None` as the composer called `name`."""

    def register(function: Callable[[str], Composed | None]):
        _COMPOSERS[name] = function
        return function

    return register


def send_now(to: str, subject: str, text: str, html: str) -> None:
    """Hand one message to the mail server, in the caller; a refusal raises.

    For senders that keep their own record of what went out (safety notices:
    recorded, claimed, sent) and for the outbox worker below.
    """
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=current_app.config["MAIL_DEFAULT_SENDER"],
                                     to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def _queue(row: OutgoingEmail) -> None:
    db.session.add(row)
    db.session.commit()  # on record before it is queued, so a worker always finds it
    queue.enqueue(deliver, row.id)


@queue.task(retries=3, retry_delay=60)
def deliver(outgoing_id: int) -> None:
    """Send one outbox message; on the queue, a refusal is retried three times. Sent once only."""
    row = db.session.get(OutgoingEmail, outgoing_id)
    if row is None or row.sent_at is not None:
        return
    if row.body_text is None:
        composed = _COMPOSERS[row.composer](row.recipient)
        if composed is None:  # nothing to send (no such account): keep no trace of the asking
            db.session.delete(row)
            db.session.commit()
            return
        row.subject, row.body_text, row.body_html = composed
    row.attempts += 1
    db.session.commit()
    send_now(row.recipient, row.subject, row.body_text, row.body_html)
    row.sent_at = utcnow()
    row.body_text = row.body_html = None  # the link in it is the recipient's alone now
    db.session.commit()
