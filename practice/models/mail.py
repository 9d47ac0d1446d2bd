"""Email on its way out: the outbox the job queue delivers from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from practice.models.base import Base, utcnow
from practice.platform.crypto import EncryptedText


class OutgoingEmail(Base):
    """One message to send: address, subject and body sealed, so a live link is never readable at rest.

    The queue names only the row's id; the body is erased once sent. A refused message stays, bodiless,
    on the owner's "could not be sent" list (FAILED_KEPT), or is deleted if it concerns no practice."""

    __tablename__ = "outgoing_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    composer: Mapped[str] = mapped_column(String(40), default="")
    recipient: Mapped[str] = mapped_column(EncryptedText)
    subject: Mapped[str | None] = mapped_column(EncryptedText)
    body_text: Mapped[str | None] = mapped_column(EncryptedText)
    body_html: Mapped[str | None] = mapped_column(EncryptedText)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    sending_until: Mapped[datetime | None]  # a worker has claimed the row and is sending it until then
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))  # a clinician it concerns
    # What the message is about, as "<kind>:<ids>" (a reminder: "reminder:<response id>:<kind>"): a failure
    # handler is chosen by its kind, and a later message on the same topic settles an earlier failure.
    topic: Mapped[str] = mapped_column(String(80), default="", server_default="")
