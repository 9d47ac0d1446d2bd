"""Email on its way out: the outbox the job queue delivers from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from practice.models.base import Base, utcnow
from practice.platform.crypto import EncryptedText


class OutgoingEmail(Base):
    """One message to send. Address, subject and body are sealed, so a live link in it is
    never readable at rest; the queue's job names only this row's id. Once sent, the body is
    erased. A row with a `composer` and no body yet is written by that composer in the worker
    (a password reset: only the worker looks up whether the address has an account).

    `enqueued_at` is set once the queue has the row's id (a row without it is
    put on the queue by the sweep). A worker sending it holds `sending_until`,
    so a second message naming the row (the sweep's, a redelivery) sends
    nothing while the first is at it. A message the mail server refused on every
    attempt gets `failed_at` and stays, without its body, on the practice
    owner's "could not be sent" list (`practice_id`, and the partner or
    clinician it was for, if any) until a later message on the same `topic`
    goes out, or for FAILED_KEPT (practice.platform.mail). A failed message that
    concerns no practice (a sign-up, a password reset: the person is there
    to ask again) is on nobody's list, so it is deleted when it fails."""

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
