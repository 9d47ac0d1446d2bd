"""The fixed vocabulary of Twofold: areas, strategies, EFT stages, check-in items and statuses.

Every other module imports these keys from here so that the exercise library,
check-ins, reports and forms always agree. Keys are stored in the database;
labels are what people read.
"""

from __future__ import annotations

from enum import StrEnum

from wtforms import SelectChoice


class Area(StrEnum):
    """Reasons couples lose emotional intimacy; homework targets one or more."""

    INSECURE_ATTACHMENT = "insecure_attachment"
    STONEWALLING = "stonewalling"
    HOSTILITY = "hostility"
    LOW_SELF_WORTH = "low_self_worth"
    TAKEN_FOR_GRANTED = "taken_for_granted"
    AFFECTIONATE_TOUCH = "affectionate_touch"
    SEPARATE_LIVES = "separate_lives"
    BETRAYAL = "betrayal"
    SEXUAL_INTIMACY = "sexual_intimacy"
    MENTAL_HEALTH = "mental_health"

    @property
    def label(self) -> str:
        return AREA_LABELS[self]


class Strategy(StrEnum):
    """Ways of rebuilding closeness that an exercise practises."""

    VULNERABILITY = "vulnerability"
    EMPATHETIC_LISTENING = "empathetic_listening"
    TIME_TOGETHER = "time_together"
    MEANINGFUL_CONVERSATION = "meaningful_conversation"
    AFFECTION = "affection"
    NEEDS_AND_BOUNDARIES = "needs_and_boundaries"
    NOVELTY = "novelty"

    @property
    def label(self) -> str:
        return STRATEGY_LABELS[self]


class Stage(StrEnum):
    """The three stages of Emotionally Focused Therapy, in order."""

    DEESCALATION = "deescalation"
    RESTRUCTURING = "restructuring"
    CONSOLIDATION = "consolidation"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


class Mode(StrEnum):
    """How partners do an exercise: each alone, or together with one answer each."""

    INDIVIDUAL = "individual"
    TOGETHER = "together"

    @property
    def label(self) -> str:
        return MODE_LABELS[self]


class CoupleStatus(StrEnum):
    """Where a couple's work stands; closed couples are archived, never deleted."""

    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Sharing(StrEnum):
    """Who may read a partner's answers besides the therapist."""

    PRIVATE = "private"
    SHARED_AFTER_BOTH = "shared_after_both"

    @property
    def label(self) -> str:
        return SHARING_LABELS[self]


class ResponseStatus(StrEnum):
    """Where one partner is with one piece of homework (overdue is derived from the due date)."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {"not_started": "Not started", "draft": "Draft saved", "submitted": "Submitted",
                "overdue": "Overdue"}[self.value]


class CheckInItem(StrEnum):
    """The eight 0–6 ratings of a connection check-in; each speaks to one area, except overall."""

    CLOSENESS = "closeness"
    UNDERSTOOD = "understood"
    APPRECIATED = "appreciated"
    AFFECTION = "affection"
    TIME_TOGETHER = "time_together"
    TRUST = "trust"
    INTIMACY = "intimacy"
    OVERALL = "overall"

    @property
    def label(self) -> str:
        return CHECKIN_ITEM_LABELS[self][0]

    @property
    def topic(self) -> str:
        """The item as it reads inside a sentence: "low on appreciation"."""
        return CHECKIN_ITEM_LABELS[self][1]

    @property
    def area(self) -> Area | None:
        return CHECKIN_ITEM_AREAS[self]


class SafetyChoice(StrEnum):
    """The answers to the private safety question; anything but "no" raises a flag for the therapist."""

    NO = "no"
    YES = "yes"
    TALK = "talk"

    @property
    def label(self) -> str:
        return SAFETY_LABELS[self]

    @property
    def raises_flag(self) -> bool:
        return self is not SafetyChoice.NO


CHECKIN_CADENCES: dict[int, str] = {  # days between check-ins, as the therapist chooses them
    7: "Every week",
    14: "Every two weeks",
    28: "Every four weeks",
}

CHECKIN_ITEM_LABELS: dict[CheckInItem, tuple[str, str]] = {
    CheckInItem.CLOSENESS: ("Closeness", "closeness"),
    CheckInItem.UNDERSTOOD: ("Feeling understood", "feeling understood"),
    CheckInItem.APPRECIATED: ("Feeling appreciated", "appreciation"),
    CheckInItem.AFFECTION: ("Affection and touch", "affection and touch"),
    CheckInItem.TIME_TOGETHER: ("Time together", "time together"),
    CheckInItem.TRUST: ("Trust", "trust"),
    CheckInItem.INTIMACY: ("Sexual intimacy", "sexual intimacy"),
    CheckInItem.OVERALL: ("Overall satisfaction", "overall satisfaction"),
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

SAFETY_LABELS: dict[SafetyChoice, str] = {
    SafetyChoice.NO: "No",
    SafetyChoice.YES: "Yes",
    SafetyChoice.TALK: "I'd rather talk about it",
}


SHARING_LABELS: dict[Sharing, str] = {
    Sharing.PRIVATE: "Therapist only",
    Sharing.SHARED_AFTER_BOTH: "Shared between partners once both have submitted",
}


class HandoutProgress(StrEnum):
    """Whether a couple handout shows the couple's check-in progress, and how (never by default)."""

    NONE = ""
    COMBINED = "couple_combined"
    BOTH = "couple_both"

    @property
    def label(self) -> str:
        return {"": "No, keep it to the summary and homework",
                "couple_combined": "Yes, as the couple's combined scores, if both partners agree",
                "couple_both": "Yes, with both partners' scores, if both partners agree"}[self.value]


class PageSize(StrEnum):
    """Paper for PDF summaries: a practice setting, A4 unless the practice prints on US Letter."""

    A4 = "a4"
    LETTER = "letter"

    @property
    def label(self) -> str:
        return PAGE_SIZE_LABELS[self]


class Intervention(StrEnum):
    """EFT interventions a therapist ticks in a session note."""

    TRACKING_CYCLE = "tracking_cycle"
    REFLECTING_EMOTION = "reflecting_emotion"
    VALIDATION = "validation"
    EVOCATIVE_RESPONDING = "evocative_responding"
    HEIGHTENING = "heightening"
    ENACTMENT = "enactment"
    REFRAMING_CYCLE = "reframing_cycle"
    RESTRUCTURING_INTERACTIONS = "restructuring_interactions"

    @property
    def label(self) -> str:
        return INTERVENTION_LABELS[self]


class SessionFormat(StrEnum):
    """Where a session took place."""

    IN_PERSON = "in_person"
    VIDEO = "video"

    @property
    def label(self) -> str:
        return {"in_person": "In person", "video": "Video"}[self.value]


class Attendance(StrEnum):
    """Who came to a session; forms and documents name the partners themselves."""

    BOTH = "both"
    PARTNER1 = "partner1"
    PARTNER2 = "partner2"

    @property
    def position(self) -> int | None:
        """1 or 2 when one partner came alone, None when both came."""
        return {"partner1": 1, "partner2": 2}.get(self.value)


AREA_LABELS: dict[Area, str] = {
    Area.INSECURE_ATTACHMENT: "Insecure attachment",
    Area.STONEWALLING: "Stonewalling",
    Area.HOSTILITY: "Hostility",
    Area.LOW_SELF_WORTH: "Low self-worth",
    Area.TAKEN_FOR_GRANTED: "Feeling taken for granted",
    Area.AFFECTIONATE_TOUCH: "Little affectionate touch",
    Area.SEPARATE_LIVES: "Separate lives",
    Area.BETRAYAL: "Betrayal",
    Area.SEXUAL_INTIMACY: "Sexual intimacy",
    Area.MENTAL_HEALTH: "Mental health",
}

STRATEGY_LABELS: dict[Strategy, str] = {
    Strategy.VULNERABILITY: "Showing vulnerability",
    Strategy.EMPATHETIC_LISTENING: "Listening with empathy",
    Strategy.TIME_TOGETHER: "Protecting time together",
    Strategy.MEANINGFUL_CONVERSATION: "Meaningful conversation",
    Strategy.AFFECTION: "Small, frequent affection",
    Strategy.NEEDS_AND_BOUNDARIES: "Needs and boundaries",
    Strategy.NOVELTY: "Trying new things together",
}

STAGE_LABELS: dict[Stage, str] = {
    Stage.DEESCALATION: "De-escalation",
    Stage.RESTRUCTURING: "Restructuring",
    Stage.CONSOLIDATION: "Consolidation",
}

MODE_LABELS: dict[Mode, str] = {
    Mode.INDIVIDUAL: "Each partner alone",
    Mode.TOGETHER: "Together, one answer each",
}


INTERVENTION_LABELS: dict[Intervention, str] = {
    Intervention.TRACKING_CYCLE: "Tracking the cycle",
    Intervention.REFLECTING_EMOTION: "Reflecting emotion",
    Intervention.VALIDATION: "Validation",
    Intervention.EVOCATIVE_RESPONDING: "Evocative responding",
    Intervention.HEIGHTENING: "Heightening",
    Intervention.ENACTMENT: "Enactment",
    Intervention.REFRAMING_CYCLE: "Reframing in terms of the cycle",
    Intervention.RESTRUCTURING_INTERACTIONS: "Restructuring interactions",
}

PAGE_SIZE_LABELS: dict[PageSize, str] = {
    PageSize.A4: "A4",
    PageSize.LETTER: "US Letter",
}


def choices(enum: type[StrEnum]) -> list[SelectChoice]:
    """The options of a WTForms select or radio group built from one of these enums."""
    return [SelectChoice(member.value, member.label) for member in enum]  # type: ignore[attr-defined]


class JobStatus(StrEnum):
    """Where a job is; `label` is what the progress page says."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return JOB_STATUS_LABELS[self]

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


JOB_STATUS_LABELS = {
    JobStatus.QUEUED: "Waiting to start…",
    JobStatus.RUNNING: "Being prepared…",
    JobStatus.DONE: "Ready to download.",
    JobStatus.FAILED: "This couldn't be prepared.",
}
