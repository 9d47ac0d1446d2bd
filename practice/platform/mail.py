"""Sending templated email from an outbox, through the job queue.

`send_templated` stores the rendered message as an `OutgoingEmail` row (address, subject and body
encrypted) and, once committed, queues only its id, so a live link is never readable in the queue
or the database; the worker sends it and erases the body. `send_composed` is for messages whose
very existence would tell something (a reset for an unknown address): the request does the same
work either way and a `@composer(name)` decides in the worker. A row joins the caller's `writing()`
if any; mail is sent with no transaction open (claim, send, mark), so SMTP shows the person nothing.

Nothing is dropped silently: the sweep (practice.jobs.sweep) requeues lost rows and `sending_until`
stops duplicates. A message refused on every attempt is marked failed, its body erased, its
`@on_failure(kind)` handler run, and listed for the owner (`Regarding`) until a later message on its
topic or FAILED_KEPT; one about no practice is deleted. Under `JOBS_QUEUE=immediate` there is no
retry, and a refusal reaches the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from practice.extensions import db, queue
from practice.models.base import utcnow
from practice.models.mail import OutgoingEmail
from practice.platform.database import is_writing, listen_once, writing
from practice.platform.jobqueue import IMMEDIATE

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 4  # the first try and three retries, a minute apart
RETRY_DELAY_SECONDS = 60
LEASE = timedelta(minutes=15)  # a queued message still unsent this long after it was queued is queued again
FAILED_KEPT = timedelta(days=30)  # how long a failure stays on the owner's list if nothing settles it
SENDING = timedelta(minutes=5)  # a worker's claim on a row while it talks to the mail server (SMTP times out sooner)
_AFTER_COMMIT = "twofold_mail_after_commit"  # Session.info: ids to queue once the caller's unit of work commits


class Composed(NamedTuple):
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Regarding:
    """Whom a message concerns, so the practice owner hears if it could not be sent (never what it said)."""

    practice_id: int | None = None
    partner_id: int | None = None
    clinician_id: int | None = None
    topic: str = ""  # "<kind>:<ids>", as OutgoingEmail.topic


_COMPOSERS: dict[str, Callable[[str], Composed | None]] = {}
_FAILURE_HANDLERS: dict[str, Callable[[OutgoingEmail], None]] = {}


def render(subject: str, template: str, **context) -> Composed:
    """`templates/email/<template>.txt` with its `.html` twin."""
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    return Composed(subject, text, html)


def send_templated(to: str, subject: str, template: str, *, regarding: Regarding = Regarding(), **context) -> None:
    """Render a message now, keep it sealed in the outbox and queue its delivery once it is committed."""
    message = render(subject, template, **context)
    _queue(OutgoingEmail(recipient=to, subject=message.subject, body_text=message.text, body_html=message.html,
                         practice_id=regarding.practice_id, partner_id=regarding.partner_id,
                         clinician_id=regarding.clinician_id, topic=regarding.topic))


def send_composed(name: str, to: str) -> None:
    """Queue a message that the composer `name` writes in the worker, or decides not to send."""
    if name not in _COMPOSERS:
        raise LookupError(f"{name} is not a registered composer; decorate it with @composer({name!r})")
    _queue(OutgoingEmail(composer=name, recipient=to))


def composer(name: str):
    """Register `function(address) -> Composed | None` as the composer called `name`."""

    def register(function: Callable[[str], Composed | None]):
        _COMPOSERS[name] = function
        return function

    return register


def on_failure(kind: str):
    """Register `function(row)`, run inside the unit of work that marks a message on topic `kind:…` failed."""

    def register(function: Callable[[OutgoingEmail], None]):
        _FAILURE_HANDLERS[kind] = function
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
    """Store the row, and queue it after the commit that makes it visible to a worker."""
    joined = is_writing(db.session)
    with writing():  # outside a caller's unit of work, the row is committed in its own
        db.session.add(row)
        db.session.flush()
        if joined and _immediate():
            enqueue(row.id)  # sent now, within the caller's unit of work: a refusal undoes it and reaches them
        elif joined:  # queued once the caller's unit of work commits (the sweep's lease covers a lost message)
            row.enqueued_at = utcnow()
            db.session.info.setdefault(_AFTER_COMMIT, []).append(row.id)
    if not joined:
        enqueue(row.id)


def enqueue(outgoing_id: int) -> None:
    """Offer one committed row to the queue; once it has it, mark the row so the sweep leaves it alone."""
    if queue.offer(deliver, outgoing_id) and not _immediate():
        with writing():
            db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id == outgoing_id)
                               .values(enqueued_at=utcnow()))


def _immediate() -> bool:
    return current_app.config["JOBS_QUEUE"] == IMMEDIATE


def queue_after_commit() -> None:
    """Installed by the factory: rows a caller's unit of work added are queued once it commits, forgotten if not."""
    listen_once(Session, "after_commit", _queue_committed)
    listen_once(Session, "after_rollback", _forget_rolled_back)


def _queue_committed(session: Session) -> None:
    """Queue the rows a caller's unit of work just committed (no SQL here: they were marked before)."""
    for outgoing_id in session.info.pop(_AFTER_COMMIT, []):
        queue.offer(deliver, outgoing_id)


def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


@queue.task("practice.mail.deliver", retries=MAX_ATTEMPTS - 1, retry_delay=RETRY_DELAY_SECONDS)
def deliver(outgoing_id: int) -> None:
    """Send one outbox message, once; a refusal is retried, and after the last attempt it is marked failed."""
    message = _claim(outgoing_id)
    if message is None:
        return
    attempt, to, composed = message
    try:
        send_now(to, *composed)
    except Exception:
        if attempt >= MAX_ATTEMPTS or _immediate():
            _give_up(outgoing_id, attempt)
        else:
            _release(outgoing_id, attempt)
        raise  # on the queue, Huey retries it while it has retries left
    _mark_sent(outgoing_id)


def _unsettled(outgoing_id: int, attempt: int | None = None) -> list:
    """Conditions on a row neither sent nor failed (and, given `attempt`, still claimed by that attempt).

    The attempt number is the claim's fencing token: a worker whose claim ran out cannot release, or
    fail, the attempt of the worker that claimed the row after it.
    """
    conditions = [OutgoingEmail.id == outgoing_id, OutgoingEmail.sent_at.is_(None), OutgoingEmail.failed_at.is_(None)]
    if attempt is not None:
        conditions.append(OutgoingEmail.attempts == attempt)
    return conditions


def _claim(outgoing_id: int) -> tuple[int, str, Composed] | None:
    """Claim an unsent row for this worker and count the attempt; return what to send, or None.

    One conditional UPDATE, so of two workers (a duplicate message) only one wins; a row whose every
    attempt was claimed and never finished is marked failed here rather than offered for ever.
    """
    now = utcnow()
    free = or_(OutgoingEmail.sending_until.is_(None), OutgoingEmail.sending_until < now)
    with writing():
        claimed = db.session.execute(
            update(OutgoingEmail).where(*_unsettled(outgoing_id), OutgoingEmail.attempts < MAX_ATTEMPTS, free)
            .values(sending_until=now + SENDING, attempts=OutgoingEmail.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            abandoned = _locked(*_unsettled(outgoing_id), OutgoingEmail.attempts >= MAX_ATTEMPTS, free)
            if abandoned is not None:
                _fail(abandoned)
            return None
        row = db.session.get(OutgoingEmail, outgoing_id, populate_existing=True)
        if row.body_text is None:
            composed = _COMPOSERS[row.composer](row.recipient)
            if composed is None:  # nothing to send (no such account): keep no trace of the asking
                db.session.delete(row)
                return None
            row.subject, row.body_text, row.body_html = composed
        return row.attempts, row.recipient, Composed(row.subject, row.body_text, row.body_html)


def _locked(*conditions) -> OutgoingEmail | None:
    """The row matching `conditions`, loaded afresh and locked for this unit of work (PostgreSQL: FOR UPDATE)."""
    return db.session.scalars(select(OutgoingEmail).where(*conditions).with_for_update()
                              .execution_options(populate_existing=True)).one_or_none()


def _release(outgoing_id: int, attempt: int) -> None:
    """A refused attempt lets go of its claim, so the retry (or any worker) may try again."""
    with writing():
        db.session.execute(update(OutgoingEmail).where(*_unsettled(outgoing_id, attempt)).values(sending_until=None)
                           .execution_options(synchronize_session=False))


def _mark_sent(outgoing_id: int) -> None:
    """Sent: erase the body (the link in it is the recipient's alone now) and settle failures on its topic.

    Whoever's claim it was: the message went. A row already marked, or
    deleted meanwhile (settled by a later message on its topic), needs nothing.
    """
    with writing():
        row = _locked(OutgoingEmail.id == outgoing_id, OutgoingEmail.sent_at.is_(None))
        if row is None:
            return
        row.sent_at, row.sending_until, row.failed_at = utcnow(), None, None
        row.body_text = row.body_html = None
        if row.topic:
            db.session.execute(delete(OutgoingEmail).where(OutgoingEmail.topic == row.topic,
                                                           OutgoingEmail.failed_at.is_not(None)))


def _give_up(outgoing_id: int, attempt: int) -> None:
    """This worker's last attempt was refused: mark the row failed, unless another worker's attempt has it now."""
    with writing():
        row = _locked(*_unsettled(outgoing_id, attempt))
        if row is not None:
            _fail(row)


def _fail(row: OutgoingEmail) -> None:
    """Keep the row, without its body, for the owner's list, and run its topic's handler (inside writing()).

    A row about no practice would be on nobody's list: it is deleted instead.
    """
    row.failed_at, row.sending_until = utcnow(), None
    row.body_text = row.body_html = None
    log.error("email %s (%s) could not be sent after %s attempt(s)", row.id, row.topic or row.composer, row.attempts)
    handler = _FAILURE_HANDLERS.get(row.topic.partition(":")[0])
    if handler is not None:
        handler(row)
    if row.practice_id is None:
        db.session.delete(row)
