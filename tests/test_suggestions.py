"""Ranking exercises for a couple: the pure function, over hand-built libraries and couples."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from practice.suggestions import Candidate, LowArea, Situation, suggest

TODAY = date(2026, 11, 25)

LIBRARY = [
    Candidate(1, "Daily gratitude log", ("taken_for_granted",), "deescalation"),
    Candidate(2, "Seeing our cycle", ("insecure_attachment", "stonewalling", "hostility"), "deescalation"),
    Candidate(3, "Asking from a softer place", ("hostility", "insecure_attachment"), "restructuring"),
    Candidate(4, "Rebuilding trust after a betrayal", ("betrayal", "insecure_attachment"), "restructuring"),
    Candidate(5, "Daily affection log", ("affectionate_touch",), "consolidation"),
    Candidate(6, "Planning time together", ("separate_lives",), "consolidation"),
    Candidate(7, "Mood and self-care check", ("mental_health",), "deescalation"),
    Candidate(8, "Pausing without leaving", ("stonewalling", "hostility"), "deescalation"),
]


def ids(suggestions) -> list[int]:
    return [s.exercise_id for s in suggestions]


def test_a_couple_in_deescalation_is_never_offered_later_stage_work():
    situation = Situation(stage="deescalation", today=TODAY, concerns=("betrayal", "affectionate_touch"),
                          low_areas=(LowArea("insecure_attachment", "closeness", 4),))
    suggested = ids(suggest(LIBRARY, situation, limit=10))
    assert 3 not in suggested and 4 not in suggested and 5 not in suggested and 6 not in suggested
    assert suggested[0] == 2  # the de-escalation exercise for their low area


@pytest.mark.parametrize("stage", ["restructuring", "consolidation"])
def test_later_stages_may_be_offered_work_from_every_stage(stage):
    situation = Situation(stage=stage, today=TODAY, concerns=("betrayal", "affectionate_touch", "taken_for_granted"))
    suggested = ids(suggest(LIBRARY, situation, limit=10))
    assert {1, 4, 5} <= set(suggested)


def test_own_stage_work_ranks_above_other_stages_and_unrelated_earlier_work_is_left_out():
    situation = Situation(stage="consolidation", today=TODAY)
    suggested = suggest(LIBRARY, situation, limit=10)
    assert ids(suggested) == [5, 6]
    assert suggested[0].reason == "suits the consolidation stage"


def test_low_check_in_areas_outrank_presenting_concerns_and_say_for_how_long():
    situation = Situation(stage="deescalation", today=TODAY, concerns=("stonewalling",),
                          low_areas=(LowArea("taken_for_granted", "appreciation", 3),))
    first, second, *_ = suggest(LIBRARY, situation)
    assert (first.exercise_id, first.reason) == (1, "low on appreciation for 3 weeks")
    assert second.reason == "presenting concern: stonewalling"


def test_an_area_low_for_longer_ranks_higher():
    situation = Situation(stage="restructuring", today=TODAY, low_areas=(
        LowArea("affectionate_touch", "affection and touch", 1), LowArea("separate_lives", "time together", 4)))
    ranked = suggest(LIBRARY, situation)
    assert ids(ranked)[:2] == [6, 5]
    assert ranked[1].reason == "low on affection and touch in the latest check-in"


def test_reasons_count_check_ins_when_the_cadence_is_not_weekly():
    situation = Situation(stage="deescalation", today=TODAY, period_days=14,
                          low_areas=(LowArea("taken_for_granted", "appreciation", 2),))
    assert suggest(LIBRARY, situation)[0].reason == "low on appreciation for 2 check-ins in a row"


def test_a_low_area_that_is_also_a_concern_gives_both_reasons():
    situation = Situation(stage="deescalation", today=TODAY, concerns=("taken_for_granted",),
                          low_areas=(LowArea("taken_for_granted", "appreciation", 2),))
    assert suggest(LIBRARY, situation)[0].reason == (
        "low on appreciation for 2 weeks; presenting concern: feeling taken for granted")


def test_recent_assignments_are_skipped_and_older_ones_come_back():
    situation = Situation(stage="deescalation", today=TODAY, concerns=("taken_for_granted", "stonewalling"),
                          last_assigned={1: TODAY - timedelta(weeks=1), 8: TODAY - timedelta(weeks=4)})
    suggested = ids(suggest(LIBRARY, situation, limit=10))
    assert 1 not in suggested and 8 in suggested
    assert 1 in ids(suggest(LIBRARY, situation, limit=10, repeat_weeks=1))


def test_the_list_is_limited_and_stable():
    situation = Situation(stage="consolidation", today=TODAY, concerns=("stonewalling", "hostility"))
    first = suggest(LIBRARY, situation, limit=3)
    assert len(first) == 3 and first == suggest(list(reversed(LIBRARY)), situation, limit=3)
    assert ids(first) == [8, 2, 3]  # two concerns each, by title (Pausing, Seeing); then one concern


def test_nothing_fits_means_no_suggestions():
    situation = Situation(stage="deescalation", today=TODAY, concerns=("sexual_intimacy",))
    assert suggest([Candidate(9, "A private reflection", ("sexual_intimacy",), "restructuring")], situation) == []
