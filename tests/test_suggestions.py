"""Ranking exercises for a couple: the pure function, over hand-built libraries and couples."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from practice.rules.suggestions import Candidate, LowArea, Situation, suggest

TODAY = date(2026, 11, 25)

LIBRARY = [
    Candidate(1, "Daily gratitude log", ("taken_for_granted",), "deescalation"),
    Candidate(2, "Seeing our cycle", ("insecure_attachment", "stonewalling", "hostility"), "deescalation",
              together=True),
    Candidate(3, "Asking from a softer place", ("hostility", "insecure_attachment"), "restructuring", vulnerable=True),
    Candidate(4, "Rebuilding trust after a betrayal", ("betrayal", "insecure_attachment"), "restructuring",
              vulnerable=True, needs_named_concern=True),
    Candidate(5, "Daily affection log", ("affectionate_touch",), "consolidation"),
    Candidate(6, "Planning time together", ("separate_lives",), "consolidation"),
    Candidate(7, "Mood and self-care check", ("mental_health",), "deescalation"),
    Candidate(8, "Pausing without leaving", ("stonewalling", "hostility"), "deescalation"),
    Candidate(9, "A private safety plan", ("mental_health",), "deescalation", one_partner_only=True),
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
    situation = Situation(stage=stage, today=TODAY, concerns=("betrayal", "affectionate_touch", "taken_for_granted"),
                          milestones_met=True)
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
    situation = Situation(stage="consolidation", today=TODAY, low_areas=(
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
    situation = Situation(stage="deescalation", today=TODAY, concerns=("stonewalling", "hostility"))
    first = suggest(LIBRARY, situation, limit=3)
    assert len(first) == 3 and first == suggest(list(reversed(LIBRARY)), situation, limit=3)
    assert ids(first) == [8, 2, 1]  # two concerns each, by title (Pausing, Seeing); then own stage by title


def test_nothing_fits_means_no_suggestions():
    situation = Situation(stage="deescalation", today=TODAY, concerns=("sexual_intimacy",))
    assert suggest([Candidate(9, "A private reflection", ("sexual_intimacy",), "restructuring")], situation) == []


# Safety: the rules of issue 14 §1, on hand-built couples. `safety_flag` is what
# `checkins.services.flag_applies` answers (open, or raised within the practice's weeks).

def test_while_a_safety_flag_applies_no_together_or_vulnerable_work_is_suggested():
    situation = Situation(stage="consolidation", today=TODAY, concerns=("betrayal", "hostility", "stonewalling"),
                          milestones_met=True, safety_flag=True)
    suggested = ids(suggest(LIBRARY, situation, limit=10))
    assert 2 not in suggested and 3 not in suggested and 4 not in suggested
    assert 8 in suggested  # individual work for the same concerns stays
    without_flag = ids(suggest(LIBRARY, Situation(**{**situation.__dict__, "safety_flag": False}), limit=10))
    assert {2, 3, 4} <= set(without_flag)


def test_a_private_safety_plan_is_suggested_only_while_a_flag_applies():
    calm = Situation(stage="deescalation", today=TODAY, concerns=("mental_health",))
    assert 9 not in ids(suggest(LIBRARY, calm, limit=10))
    assert 9 in ids(suggest(LIBRARY, Situation(**{**calm.__dict__, "safety_flag": True}), limit=10))


def test_the_lower_partners_rating_and_a_wide_gap_rank_an_area_up():
    # Two areas low for as long; the one where the partners are far apart ranks first and says so.
    situation = Situation(stage="consolidation", today=TODAY, low_areas=(
        LowArea("affectionate_touch", "affection and touch", 2, gap=1),
        LowArea("separate_lives", "time together", 2, gap=5)))
    first, second, *_ = suggest(LIBRARY, situation)
    assert (first.exercise_id, second.exercise_id) == (6, 5)
    assert first.reason == "low on time together for 2 weeks; the partners' ratings are far apart"
    assert "far apart" not in second.reason


def test_low_trust_alone_never_brings_betrayal_work():
    low_trust = (LowArea("betrayal", "trust", 5, gap=6), LowArea("insecure_attachment", "closeness", 5))
    situation = Situation(stage="restructuring", today=TODAY, low_areas=low_trust)
    assert 4 not in ids(suggest(LIBRARY, situation, limit=10))
    named = Situation(stage="restructuring", today=TODAY, low_areas=low_trust, concerns=("betrayal",))
    assert 4 in ids(suggest(LIBRARY, named, limit=10))


def test_consolidation_work_waits_for_both_restructuring_milestones():
    situation = Situation(stage="restructuring", today=TODAY, concerns=("affectionate_touch", "separate_lives"))
    assert not {5, 6} & set(ids(suggest(LIBRARY, situation, limit=10)))
    met = Situation(stage="restructuring", today=TODAY, concerns=("affectionate_touch", "separate_lives"),
                    milestones_met=True)
    assert {5, 6} <= set(ids(suggest(LIBRARY, met, limit=10)))


def test_own_stage_work_outranks_another_stages_however_low_its_areas():
    situation = Situation(stage="restructuring", today=TODAY, milestones_met=True, concerns=("affectionate_touch",),
                          low_areas=(LowArea("affectionate_touch", "affection and touch", 5, gap=6),))
    ranked = ids(suggest(LIBRARY, situation, limit=10))
    assert ranked[0] == 3 and ranked.index(3) < ranked.index(5)
