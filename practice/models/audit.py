"""The audit trail: who did what to which record, when and from where.

Rows are append-only and hash-chained (see `practice.audit.chain`). They
hold ids and short keys, never clinical text. The ORM refuses to update or
delete them; on PostgreSQL a trigger refuses it in the database too.

Actor, couple and practice ids are plain indexed integers, not foreign keys:
the trail must outlive, and never block, changes to the records it names.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from practice.models.base import Base


class AuditAction(StrEnum):
    """What happened, as stored; `label` is what people read."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    VIEW = "view"
    CREATE = "create"
    CHANGE = "change"
    EXPORT = "export"
    DOWNLOAD = "download"
    DELETE = "delete"
    ACCESS_REFUSED = "access_refused"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.LOGIN: "Signed in",
    AuditAction.LOGIN_FAILED: "Sign-in failed",
    AuditAction.LOGOUT: "Signed out",
    AuditAction.VIEW: "Viewed",
    AuditAction.CREATE: "Created",
    AuditAction.CHANGE: "Changed",
    AuditAction.EXPORT: "Exported",
    AuditAction.DOWNLOAD: "Downloaded",
    AuditAction.DELETE: "Deleted",
    AuditAction.ACCESS_REFUSED: "Access refused",
}


class AuditEvent(Base):
    """One entry of the trail; `hash` seals its fields and the entry before it."""

    __tablename__ = "audit_events"
    # The two trails people read: newest first, within a practice or a couple.
    __table_args__ = (
        Index("ix_audit_events_practice_trail", "practice_id", "id"),
        Index("ix_audit_events_couple_trail", "couple_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(20))
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None]
    couple_id: Mapped[int | None]
    practice_id: Mapped[int | None]
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Unique: two events can never claim the same predecessor, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def action_label(self) -> str:
        return AuditAction(self.action).label


class AuditImmutableError(RuntimeError):
    """Something tried to change or delete an audit entry."""


def _refuse_change(_mapper, _connection, target: AuditEvent) -> None:
    raise AuditImmutableError(f"Audit event {target.id} is append-only; it cannot be changed or deleted.")


def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """`update(AuditEvent)` / `delete(AuditEvent)` skip the flush, so they are caught here."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.class_ is AuditEvent:
            raise AuditImmutableError("Audit events are append-only; bulk UPDATE and DELETE are refused.")


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)
event.listen(Session, "do_orm_execute", _refuse_bulk_change)
