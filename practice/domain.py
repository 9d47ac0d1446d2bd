"""The fixed vocabulary of Twofold: areas, strategies, EFT stages, check-in items and statuses.

Every other module imports these keys from here so that the exercise library,
check-ins, reports and forms always agree. Keys are stored in the database;
labels are what people read. Each member is declared with its label beside
it (`Labelled`), the one way labels are given here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from wtforms import SelectChoice


class Labelled(StrEnum):
    """A string enum whose members are declared as `NAME = "key", "What people read"`."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return self._label


class Area(Labelled):
    """Reasons couples lose emotional intimacy; homework targets one or more."""

    INSECURE_ATTACHMENT = "insecure_attachment", "Insecure attachment"
    STONEWALLING = "stonewalling", "Stonewalling"
    HOSTILITY = "hostility", "Hostility"
    LOW_SELF_WORTH = "low_self_worth", "Low self-worth"
    TAKEN_FOR_GRANTED = "taken_for_granted", "Feeling taken for granted"
    AFFECTIONATE_TOUCH = "affectionate_touch", "Little affectionate touch"
    SEPARATE_LIVES = "separate_lives", "Separate lives"
    BETRAYAL = "betrayal", "Betrayal"
    SEXUAL_INTIMACY = "sexual_intimacy", "Sexual intimacy"
    MENTAL_HEALTH = "mental_health", "Mental health"


class Strategy(Labelled):
    """Ways of rebuilding closeness that an exercise practises."""

    VULNERABILITY = "vulnerability", "Showing vulnerability"
    EMPATHETIC_LISTENING = "empathetic_listening", "Listening with empathy"
    TIME_TOGETHER = "time_together", "Protecting time together"
    MEANINGFUL_CONVERSATION = "meaningful_conversation", "Meaningful conversation"
    AFFECTION = "affection", "Small, frequent affection"
    NEEDS_AND_BOUNDARIES = "needs_and_boundaries", "Needs and boundaries"
    NOVELTY = "novelty", "Trying new things together"


class Stage(Labelled):
    """The three stages of Emotionally Focused Therapy, in order."""

    DEESCALATION = "deescalation", "De-escalation"
    RESTRUCTURING = "restructuring", "Restructuring"
    CONSOLIDATION = "consolidation", "Consolidation"


class Mode(Labelled):
    """How partners do an exercise: each alone, or together with one answer each."""

    INDIVIDUAL = "individual", "Each partner alone"
    TOGETHER = "together", "Together, one answer each"


class CoupleStatus(Labelled):
    """Where a couple's work stands; closed couples are archived, never deleted."""

    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CLOSED = "closed", "Closed"


class Sharing(Labelled):
    """Who may read a partner's answers besides the therapist."""

    PRIVATE = "private", "Therapist only"
    SHARED_AFTER_BOTH = "shared_after_both", "Shared between partners once both have submitted"


class ResponseStatus(Labelled):
    """Where one partner is with one piece of homework (overdue is derived from the due date)."""

    NOT_STARTED = "not_started", "Not started"
    DRAFT = "draft", "Draft saved"
    SUBMITTED = "submitted", "Submitted"
    OVERDUE = "overdue", "Overdue"


class CheckInItem(Labelled):
    """The eight 0–6 ratings of a connection check-in; each speaks to one area, except overall."""

    CLOSENESS = "closeness", "Closeness"
    UNDERSTOOD = "understood", "Feeling understood"
    APPRECIATED = "appreciated", "Feeling appreciated"
    AFFECTION = "affection", "Affection and touch"
    TIME_TOGETHER = "time_together", "Time together"
    TRUST = "trust", "Trust"
    INTIMACY = "intimacy", "Sexual intimacy"
    OVERALL = "overall", "Overall satisfaction"

    @property
    def topic(self) -> str:
        """The item as it reads inside a sentence: "low on appreciation"."""
        return CHECKIN_ITEM_TOPICS.get(self, self.label.lower())

    @property
    def area(self) -> Area | None:
        return CHECKIN_ITEM_AREAS[self]


class SafetyChoice(Labelled):
    """The answers to the private safety question; anything but "no" raises a flag for the therapist."""

    NO = "no", "No"
    YES = "yes", "Yes"
    TALK = "talk", "I'd rather talk about it"

    @property
    def raises_flag(self) -> bool:
        return self is not SafetyChoice.NO


CONVERSATION_GAP = 2  # scale answers (homework, check-ins) this far apart are worth talking about

CHECKIN_CADENCES: dict[int, str] = {  # days between check-ins, as the therapist chooses them
    7: "Every week",
    14: "Every two weeks",
    28: "Every four weeks",
}

CHECKIN_ITEM_TOPICS: dict[CheckInItem, str] = {  # where the sentence form is not the label in lower case
    CheckInItem.APPRECIATED: "appreciation",
}

CHECKIN_ITEM_AREAS: dict[CheckInItem, Area | None] = {
    CheckInItem.CLOSENESS: Area.INSECURE_ATTACHMENT,
    CheckInItem.UNDERSTOOD: Area.STONEWALLING,
    CheckInItem.APPRECIATED: Area.TAKEN_FOR_GRANTED,
    CheckInItem.AFFECTION: Area.AFFECTIONATE_TOUCH,
    CheckInItem.TIME_TOGETHER: Area.SEPARATE_LIVES,
    CheckInItem.TRUST: Area.BETRAYAL,
    CheckInItem.INTIMACY: Area.SEXUAL_INTIMACY,
    CheckInItem.OVERALL: None,
}


class HandoutProgress(Labelled):
    """Whether a couple handout shows the couple's check-in progress, and how (never by default)."""

    NONE = "", "No, keep it to the summary and homework"
    COMBINED = "couple_combined", "Yes, as the couple's combined scores, if both partners agree"
    BOTH = "couple_both", "Yes, with both partners' scores, if both partners agree"


class PageSize(Labelled):
    """Paper for PDF summaries: a practice setting, A4 unless the practice prints on US Letter."""

    A4 = "a4", "A4"
    LETTER = "letter", "US Letter"


class Intervention(Labelled):
    """EFT interventions a therapist ticks in a session note."""

    TRACKING_CYCLE = "tracking_cycle", "Tracking the cycle"
    REFLECTING_EMOTION = "reflecting_emotion", "Reflecting emotion"
    VALIDATION = "validation", "Validation"
    EVOCATIVE_RESPONDING = "evocative_responding", "Evocative responding"
    HEIGHTENING = "heightening", "Heightening"
    ENACTMENT = "enactment", "Enactment"
    REFRAMING_CYCLE = "reframing_cycle", "Reframing in terms of the cycle"
    RESTRUCTURING_INTERACTIONS = "restructuring_interactions", "Restructuring interactions"


class SessionFormat(Labelled):
    """Where a session took place."""

    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"


class Attendance(StrEnum):
    """Who came to a session; forms and documents name the partners themselves."""

    BOTH = "both"
    PARTNER1 = "partner1"
    PARTNER2 = "partner2"

    @property
    def position(self) -> int | None:
        """1 or 2 when one partner came alone, None when both came."""
        return {"partner1": 1, "partner2": 2}.get(self.value)


def choices(enum: type[Labelled]) -> list[SelectChoice]:
    """The options of a WTForms select or radio group built from one of these enums."""
    return [SelectChoice(member.value, member.label) for member in enum]


class JobStatus(Labelled):
    """Where a job is; `label` is what the progress page says."""

    QUEUED = "queued", "Waiting to start…"
    RUNNING = "running", "Being prepared…"
    DONE = "done", "Ready to download."
    FAILED = "failed", "This couldn't be prepared."

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


# The safety screen of a check-in: its items are stored by key, and the flag page names them.
# What a single answer from before the screen had six items asked, so old answers still read right.
OLD_SAFETY_QUESTION = (
    "Since your last check-in, have you felt afraid of your partner, or been hurt, threatened "
    "or controlled by them?"
)


@dataclass(frozen=True)
class SafetyItem:
    """One behaviour-specific question; `worrying` is the plain answer that raises the flag ("talk" always does)."""

    key: str
    question: str
    short: str  # how the therapist's flag page names it
    worrying: SafetyChoice = SafetyChoice.YES

    def raises_flag(self, choice: SafetyChoice) -> bool:
        return choice in (self.worrying, SafetyChoice.TALK)


SAFETY_ITEMS: tuple[SafetyItem, ...] = (
    SafetyItem("afraid", "Since your last check-in, have you felt afraid of your partner?", "Afraid of their partner"),
    SafetyItem("hurt", "Has your partner physically hurt you, or held you down?", "Physically hurt or held down"),
    SafetyItem("threatened", "Has your partner threatened you? That includes threats to harm your children or pets, "
               "or threats about what would happen if you left.", "Threatened (incl. children, pets, leaving)"),
    SafetyItem("pressured", "Have you been pressured or forced into sexual activity you didn't want?",
               "Pressured or forced into sexual activity"),
    SafetyItem("controlled", "Has your partner checked your phone or where you are, kept control of money, or kept "
               "you from friends or family?", "Checked on, money controlled or kept from others"),
    SafetyItem("safe_at_home", "Does it feel safe for you to be at home this week?", "Feels safe at home this week",
               worrying=SafetyChoice.NO),
)


# Text written for partners to read (titles, questions, notes to the couple, the summary, crisis
# resources) is words, never HTML: a tag would reach them as the tag itself. A lone "<" (as in
# "<3" or "x < y") is not a tag. Private text (answers, clinical notes) may hold anything.
HTML_TAG = re.compile(r"<[a-zA-Z/!?]")
NO_TAGS_MESSAGE = "Please write this without HTML tags such as <i>: partners would see the tag itself, not the formatting."


# Errors that services raise and views turn into messages next to fields.


class DomainError(Exception):
    """A rule of the product was not met; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    """Someone (or another tab) saved this record since it was opened."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Someone else saved this page while you were editing it, so your changes have "
            "not been saved yet. They are still below. To compare, open this page in a new tab; "
            "if your version should replace theirs, press save again."
        )


class TokenError(DomainError):
    """A link that is expired, already used, revoked or malformed."""
