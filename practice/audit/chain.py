"""The hash chain that makes the audit trail tamper-evident.

Each event stores the hash of the one before it (`prev_hash`) and
`hash = sha256(prev_hash + canonical JSON of its own fields)`. Changing,
removing or reordering any stored event breaks a link that `verify`
finds. Events are sealed while the session flushes, under a lock that
makes concurrent writers take turns: on PostgreSQL a transaction-scoped
advisory lock (read committed, so the newest head is visible once the
lock is ours); on SQLite the unit of work that adds them runs in
`writing()`, whose `BEGIN IMMEDIATE` holds the only write lock from the
start, so the head read here is still the head at commit. Events flushed
outside `writing()` would be sealed without that lock, which is one more
reason such a flush is refused (practice.platform.database).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from practice.models.audit import AuditEvent
from practice.platform.database import listen_once

GENESIS = "0" * 64
ADVISORY_LOCK_KEY = 0x7477_6F66_6175_6474  # "twofaudt": serialises appends on PostgreSQL
HASHED_FIELDS = (
    "occurred_at", "actor_kind", "actor_id", "action", "record_type", "record_id",
    "couple_id", "practice_id", "remote_addr", "detail",
)


def canonical(event_: AuditEvent) -> str:
    """The event's fields as JSON that reads the same before and after a database round trip."""
    fields = {name: getattr(event_, name) for name in HASHED_FIELDS}
    fields["occurred_at"] = event_.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(prev_hash: str, event_: AuditEvent) -> str:
    """sha256(prev_hash + canonical JSON)."""
    return hashlib.sha256((prev_hash + canonical(event_)).encode()).hexdigest()


def _lock_and_read_head(session: Session) -> str:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    head = connection.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return head or GENESIS


def seal_new_events(session: Session, _flush_context, _instances) -> None:
    """Chain the events this flush will insert, in the order it inserts them."""
    pending = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not pending:
        return
    prev_hash = _lock_and_read_head(session)
    # The unit of work inserts rows of one class in `insert_order`, so ids follow the chain.
    for event_ in sorted(pending, key=lambda obj: inspect(obj).insert_order):
        event_.prev_hash = prev_hash
        event_.hash = prev_hash = compute_hash(prev_hash, event_)


def seal_on_flush() -> None:
    """Installed by the factory (not on import): every flush that adds audit events chains them."""
    listen_once(Session, "before_flush", seal_new_events)


@dataclass(frozen=True)
class ChainReport:
    """What `verify` found: how many events held, the head hash, and the first break if any."""

    checked: int
    head: str
    broken_at: int | None = None
    reason: str = ""


def verify(events: Iterable[AuditEvent]) -> ChainReport:
    """Walk the events in chain order and stop at the first link or seal that does not hold."""
    prev_hash, checked = GENESIS, 0
    for event_ in events:
        if event_.prev_hash != prev_hash:
            return ChainReport(checked, prev_hash, event_.id, "it does not link to the event before it: an earlier event was removed or altered")
        if compute_hash(prev_hash, event_) != event_.hash:
            return ChainReport(checked, prev_hash, event_.id, "its fields no longer match its hash: this event was altered")
        prev_hash, checked = event_.hash, checked + 1
    return ChainReport(checked, prev_hash)


def verify_stored(session: Session, batch_size: int = 1000) -> ChainReport:
    """Verify every stored event, streamed in batches so a long trail fits in memory."""
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch_size)
    with closing(session.scalars(query)) as events:  # closes PostgreSQL's server-side cursor on an early stop
        return verify(events)
