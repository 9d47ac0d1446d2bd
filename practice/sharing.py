"""The one rule that decides whether a partner may read the other partner's answers.

Every page, download and PDF that could show another partner's answers asks
`other_answers_visible`; nothing else in the code base makes that decision.
"""

from __future__ import annotations

from practice.domain import ResponseStatus, Sharing


def other_answers_visible(sharing: str, statuses: list[str]) -> bool:
    """True only for `shared_after_both` homework given to both partners, once both have submitted.

    `statuses` are the statuses of every response of the assignment (one per
    assigned partner). Safety answers are never covered by this rule: they are
    never shown to a partner at all.
    """
    return (
        sharing == Sharing.SHARED_AFTER_BOTH.value
        and len(statuses) == 2
        and all(status == ResponseStatus.SUBMITTED.value for status in statuses)
    )
