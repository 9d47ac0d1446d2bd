"""Background jobs a clinician waits for: a large PDF or an export, its progress and its file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from practice.domain import JobStatus
from practice.models.base import Base, utcnow
from practice.platform.crypto import EncryptedBytes


class BackgroundJob(Base):
    """One run of a job kind for one clinician; the finished file is kept encrypted, until it expires.

    No `enqueued_at` means the queue never got it, and the sweep enqueues it; a lapsed `lease_until`
    means its worker died: the sweep reruns it, up to MAX_ATTEMPTS. The file is erased at `expires_at`.
    """

    __tablename__ = "background_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"), index=True)
    couple_id: Mapped[int | None] = mapped_column(ForeignKey("couples.id"))
    kind: Mapped[str] = mapped_column(String(40))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # ids and short keys, never text
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED.value)
    message: Mapped[str] = mapped_column(String(300), default="")  # why it failed, in plain words
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    # Loaded only when read (a download): every list, poll, claim and sweep of jobs would otherwise
    # fetch and decrypt each file, megabytes apiece.
    result: Mapped[bytes | None] = mapped_column(EncryptedBytes, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    expires_at: Mapped[datetime | None]  # when the finished file is erased
    deleted_at: Mapped[datetime | None]  # when it was

    @property
    def state(self) -> JobStatus:
        return JobStatus(self.status)
