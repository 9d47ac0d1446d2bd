"""The practice's three crisis numbers, which partners can tap, and the rule that they come before any invitation.

Free text is easy to leave half-done ("call your local number"), and a
partner who is afraid at home should not have to read a paragraph to find
a number. So every practice names an emergency number, a crisis line and a
domestic-violence line, each with a label in its own words. Partner pages
show them first as tap-to-call and tap-to-text links, the handout prints
them, and no partner is given a link to the portal until all three are set.
"""

from __future__ import annotations

from dataclasses import dataclass

from practice.domain import DomainError
from practice.models import Practice

# The column prefix of each line, and what the therapist calls it on the settings page.
LINES = (
    ("emergency", "Emergency number"),
    ("crisis_line", "Crisis line"),
    ("dv_line", "Domestic-violence line"),
)
FIELDS = tuple(f"{prefix}_{part}" for prefix, _ in LINES for part in ("label", "number"))

NUMBERS_MISSING = (
    "Before a partner can be invited, the practice needs its emergency number, crisis line and "
    "domestic-violence line, so that every partner can reach help from any page. Missing: {missing}."
)


@dataclass(frozen=True)
class CrisisNumber:
    """One line as a partner sees it: the practice's label and the number to tap."""

    label: str
    number: str


def crisis_numbers(practice: Practice) -> list[CrisisNumber]:
    """The lines the practice has filled in (label and number), in the order partners see them."""
    found = []
    for prefix, _ in LINES:
        label, number = getattr(practice, f"{prefix}_label"), getattr(practice, f"{prefix}_number")
        if label and number:
            found.append(CrisisNumber(label, number))
    return found


def missing_lines(practice: Practice) -> list[str]:
    """The names of the lines still without a label or a number."""
    return [name for prefix, name in LINES
            if not (getattr(practice, f"{prefix}_label") and getattr(practice, f"{prefix}_number"))]


def require_numbers(practice: Practice) -> None:
    """Refuse an invitation while any of the three lines is missing."""
    missing = missing_lines(practice)
    if missing:
        raise DomainError(NUMBERS_MISSING.format(missing=", ".join(missing).lower()))
