"""Background jobs a clinician waits for: a large PDF or an export, its progress and its file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from practice.crypto import EncryptedBytes
from practice.domain import JobStatus
from practice.models.base import Base, utcnow


class BackgroundJob(Base):
    """One run of a job kind for one clinician; the finished file is kept encrypted."""

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
    result: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def state(self) -> JobStatus:
        return JobStatus(self.status)
