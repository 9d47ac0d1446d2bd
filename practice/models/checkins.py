"""Connection check-ins, and the private safety answers kept apart from them.

A `CheckIn` row belongs to one partner and one period (a week by default).
The answer to the safety question is not a column of it: it lives in
`SafetyAnswer`, and any answer but "no" raises a `SafetyFlag`. Portal code
never reads either table; only clinician-scoped queries join them.

Neither table says in clear which partner reported fear: every sent check-in
has an answer row (so its partner column tells nothing), the answer itself is
sealed (practice.platform.sealed: encrypted and bound to its table, column and row),
and a flag names only its couple in clear; which partner and which answer
raised it are in its sealed `details`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from practice.domain import OLD_SAFETY_QUESTION, SAFETY_ITEMS, CheckInItem, ResponseStatus, SafetyChoice
from practice.models.base import Base, TimestampMixin, VersionedMixin, utcnow
from practice.platform.crypto import EncryptedText
from practice.platform.sealed import Sealed, SealedToken

if TYPE_CHECKING:
    from practice.models.accounts import Clinician
    from practice.models.couples import Couple, Partner

ITEM_KEYS = tuple(item.value for item in CheckInItem)


class CheckIn(VersionedMixin, TimestampMixin, Base):
    """One partner's ratings for one period: a draft until submitted, then kept as written.

    Ratings are 0–6 and may be empty in a draft; status uses the homework
    words "draft" and "submitted".
    """

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("partner_id", "period_start", name="uq_checkins_partner_period"),
        Index("ix_checkins_couple_period", "couple_id", "period_start"),
        *(CheckConstraint(f"{key} BETWEEN 0 AND 6", name=f"{key}_range") for key in ITEM_KEYS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"))
    period_start: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default=ResponseStatus.DRAFT.value)
    closeness: Mapped[int | None] = mapped_column(SmallInteger)
    understood: Mapped[int | None] = mapped_column(SmallInteger)
    appreciated: Mapped[int | None] = mapped_column(SmallInteger)
    affection: Mapped[int | None] = mapped_column(SmallInteger)
    time_together: Mapped[int | None] = mapped_column(SmallInteger)
    trust: Mapped[int | None] = mapped_column(SmallInteger)
    intimacy: Mapped[int | None] = mapped_column(SmallInteger)
    overall: Mapped[int | None] = mapped_column(SmallInteger)
    note_to_therapist: Mapped[str] = mapped_column(EncryptedText, default="")
    draft_saved_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED.value

    @property
    def ratings(self) -> dict[CheckInItem, int | None]:
        """The eight ratings by item, None where a draft left one empty."""
        return {item: getattr(self, item.value) for item in CheckInItem}

    def set_ratings(self, ratings: dict[str, int | None]) -> None:
        """Store ratings given by item key; items not given are left empty."""
        for key in ITEM_KEYS:
            setattr(self, key, ratings.get(key))


class SafetyAnswer(Base):
    """One partner's answer to the safety question, written once when a check-in is sent."""

    __tablename__ = "safety_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), index=True)
    answer_token: Mapped[str] = mapped_column("answer", SealedToken())
    answer = Sealed("answer_token", bound=("checkin_id", "partner_id", "couple_id"))  # whose, not just where
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    checkin: Mapped[CheckIn] = relationship()

    # `answer` is {"items": {item key: choice}, "reach_me": text} since the six-item screen; before
    # it, one choice for the single compound question. Both shapes are read, so old rows still show.

    @property
    def items(self) -> list[tuple[str, str, bool]]:
        """(question, answer label, whether it is worrying) for each item answered, in screen order."""
        if isinstance(self.answer, str):
            choice = SafetyChoice(self.answer)
            return [(OLD_SAFETY_QUESTION, choice.label, choice.raises_flag)]
        given = self.answer["items"]
        return [(item.short, SafetyChoice(given[item.key]).label, item.raises_flag(SafetyChoice(given[item.key])))
                for item in SAFETY_ITEMS if item.key in given]

    @property
    def label(self) -> str:
        """A one-line summary for lists: the worrying answers, or "No" to everything."""
        if isinstance(self.answer, str):
            return SafetyChoice(self.answer).label
        worrying = [f"{question}: {label}" for question, label, bad in self.items if bad]
        return "; ".join(worrying) or "Nothing worrying"

    @property
    def reach_me(self) -> str:
        """The safe way and time to reach them they gave, if any (old answers had none)."""
        return "" if isinstance(self.answer, str) else self.answer.get("reach_me", "")


class SafetyFlag(VersionedMixin, Base):
    """A worrying safety answer (in a check-in or an exercise), shown to the couple's clinician until they acknowledge it.

    Versioned, so two tabs acknowledging at once cannot both succeed.
    """

    __tablename__ = "safety_flags"
    __table_args__ = (Index("ix_safety_flags_couple_open", "couple_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"))
    # {"partner_id": ..., "safety_answer_id": ...}, sealed: the plain row shows no partner.
    details_token: Mapped[str] = mapped_column("details", SealedToken())
    details = Sealed("details_token", bound=("couple_id",))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    acknowledgement_note: Mapped[str] = mapped_column(EncryptedText, default="")

    couple: Mapped[Couple] = relationship()
    acknowledged_by: Mapped[Clinician | None] = relationship()

    @classmethod
    def raised_by(cls, answer: SafetyAnswer) -> SafetyFlag:
        """The flag for a (flushed) answer other than "no"."""
        return cls(couple_id=answer.couple_id,
                   details={"partner_id": answer.partner_id, "safety_answer_id": answer.id})

    @property
    def partner_id(self) -> int:
        return self.details["partner_id"]

    @property
    def safety_answer_id(self) -> int | None:
        """The check-in answer that raised it; None for a flag raised by an exercise answer."""
        return self.details.get("safety_answer_id")

    @property
    def exercise(self) -> dict | None:
        """{"title", "assignment_id", "prompts": [labels]} when an exercise answer raised it."""
        return self.details.get("exercise")

    @classmethod
    def raised_by_exercise(cls, partner: Partner, assignment_id: int, title: str, prompts: list[str]) -> SafetyFlag:
        """The flag for sent homework that picked an option marked `raises_safety_flag`."""
        return cls(couple_id=partner.couple_id, details={
            "partner_id": partner.id,
            "exercise": {"title": title, "assignment_id": assignment_id, "prompts": prompts},
        })

    @property
    def summary(self) -> str:
        """One line for the therapist's lists: what raised it."""
        if self.exercise is not None:
            return f"an answer in “{self.exercise['title']}”"
        return f"answered “{self.safety_answer.label}”"

    @property
    def partner(self) -> Partner:
        from practice.models.couples import Partner

        return object_session(self).get(Partner, self.partner_id)

    @property
    def safety_answer(self) -> SafetyAnswer | None:
        if self.safety_answer_id is None:
            return None
        return object_session(self).get(SafetyAnswer, self.safety_answer_id)

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class SafetyNotice(Base):
    """One email telling a clinician that a check-in needs attention: recorded before it is sent.

    Stage "clinician" goes out when the flag is raised, "owner" after `safety_escalation_hours`; the
    unique key stops duplicates, and a "sending" claim older than `CLAIM_LEASE` is taken again.
    """

    __tablename__ = "safety_notices"
    __table_args__ = (
        UniqueConstraint("flag_id", "stage", "clinician_id", name="uq_safety_notices_flag_stage_clinician"),
        Index("ix_safety_notices_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("safety_flags.id"))
    stage: Mapped[str] = mapped_column(String(10))  # "clinician" or "owner"
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sending, sent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)

    flag: Mapped[SafetyFlag] = relationship()
    clinician: Mapped[Clinician] = relationship()
