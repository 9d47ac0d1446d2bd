"""Progress from check-ins: periods with gaps, single points, lowest areas, and what each audience may see."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from practice.checkins.progress import ProgressMode, build_progress, couple_progress
from practice.checkins.schedule import current_period
from practice.domain import CheckInItem
from practice.models import CheckIn
from practice.pdf import render_document
from practice.web.templating import practice_today
from tests.checkin_helpers import plant
from tests.homework_helpers import clinician_login, world  # noqa: F401
from tests.reading import pdf_pages

START = date(2026, 1, 5)  # make_couple's start date, a Monday


def week(n: int) -> date:
    return START + timedelta(weeks=n)


def checkin(couple, position: int, period: date, ratings: dict | int = 3, note: str = "") -> CheckIn:
    """An unsaved, sent check-in: build_progress only reads it."""
    values = ratings if isinstance(ratings, dict) else {item.value: ratings for item in CheckInItem}
    row = CheckIn(partner_id=couple.partner(position).id, couple_id=couple.id, period_start=period,
                  status="submitted", note_to_therapist=note)
    row.set_ratings(values)
    return row


def path_moves(svg: str) -> list[str]:
    """The pen moves of each line in a chart: "M" starts a segment, "L" continues it (not the markers' or grid's)."""
    return [re.findall(r"[ML]", d) for d in re.findall(r'<path d="([^"]+)" fill="none" stroke="[^"]+" stroke-width="2"', svg)]


def test_weeks_without_a_check_in_are_gaps_never_zeros(world):
    couple = world.couple
    rows = [checkin(couple, 1, week(0), 4), checkin(couple, 1, week(2), 5), checkin(couple, 2, week(0), 2)]
    progress = build_progress(couple, rows, last_period=week(3))
    assert progress.periods == (week(0), week(1), week(2), week(3))
    assert progress.ratings[CheckInItem.TRUST] == {1: (4, None, 5, None), 2: (2, None, None, None)}
    chart = str(progress.view("clinician").charts[0].svg)
    assert path_moves(chart) == [["M", "M"], ["M"]]  # partner 1's line breaks at the missing week
    assert "12 Jan no data" in chart and ">0<" not in chart.split("</desc>")[1].split("<text")[0]


def test_a_single_check_in_draws_one_labelled_point(world):
    progress = build_progress(world.couple, [checkin(world.couple, 2, week(0), 5)], last_period=week(0))
    view = progress.view("clinician")
    chart = str(view.charts[0].svg)
    assert progress.periods == (week(0),) and len(view.charts) == len(CheckInItem)
    assert 'h8v8h-8z" fill="#ffffff"' in chart and ">5</text>" in chart and "L" not in "".join(sum(path_moves(chart), []))
    assert view.columns[0].as_of is None and view.columns[1].as_of == week(0)
    assert view.rows[0].values == (None, 5) and view.rows[0].gap is None


def test_no_check_ins_means_no_charts(world):
    progress = build_progress(world.couple, [], last_period=week(4))
    assert not progress.has_data and progress.lowest() == []
    assert progress.view("clinician").charts == () and not progress.view("couple_combined").has_data


def test_lowest_areas_use_each_partners_latest_ratings_and_count_low_check_ins(world):
    couple = world.couple
    low = {"closeness": 4, "understood": 4, "appreciated": 1, "affection": 2, "time_together": 5,
           "trust": 6, "intimacy": 3, "overall": 0}
    rows = [
        checkin(couple, 1, week(0), low | {"appreciated": 4}),
        checkin(couple, 1, week(1), low), checkin(couple, 2, week(1), low | {"intimacy": 2}),
        checkin(couple, 1, week(3), low), checkin(couple, 2, week(3), low | {"affection": 4}),
    ]
    lowest = build_progress(couple, rows, last_period=week(3)).lowest()
    assert [s.item for s in lowest] == [CheckInItem.APPRECIATED, CheckInItem.AFFECTION, CheckInItem.INTIMACY]
    assert [s.score for s in lowest] == [1, 2, 3]  # the lower partner's rating
    assert [s.gap for s in lowest] == [0, 2, 0]
    appreciated, affection, intimacy = lowest
    assert appreciated.low_periods == 2 and appreciated.is_low  # week 2 had no check-in; week 0 was not low
    # A 2 and a 4 average to 3, the middle: the mean would hide the partner at 2. The lower rating does not.
    assert affection.low_periods == 3 and affection.is_low
    assert intimacy.area.value == "sexual_intimacy" and all(s.item is not CheckInItem.OVERALL for s in lowest)


def test_a_later_check_in_in_a_longer_period_wins_after_the_cadence_changes(world):
    couple = world.couple
    couple.checkin_cadence_days = 14
    rows = [checkin(couple, 1, week(0), 1), checkin(couple, 1, week(1), 6)]
    progress = build_progress(couple, rows, last_period=week(2))
    assert progress.periods == (week(0), week(2)) and progress.ratings[CheckInItem.TRUST][1] == (6, None)


def test_each_audience_sees_only_its_share(world):
    couple = world.couple
    rows = [checkin(couple, 1, week(0), 2, note="private words"), checkin(couple, 2, week(0), 5),
            checkin(couple, 1, week(1), 4)]
    progress = build_progress(couple, rows, last_period=week(1))

    clinician = progress.view(ProgressMode.CLINICIAN)
    assert clinician.notes[0].text == "private words" and clinician.lowest and clinician.shows_gap
    assert clinician.rows[0].values == (4, 5) and clinician.rows[0].gap == 1

    both = progress.view("couple_both")
    assert both.notes == () and both.lowest == () and not both.shows_gap and both.rows[0].gap is None
    assert [c.label for c in both.columns] == ["Alex", "Sam"]

    combined = progress.view("couple_combined")
    assert [c.label for c in combined.columns] == ["The two of you"] and combined.columns[0].as_of == week(0)
    assert combined.rows[0].values == (3.5,)  # week 1 had only Alex: never shown on its own
    assert progress.combined(CheckInItem.TRUST) == (3.5, None)
    assert "Alex" not in str(combined.charts[0].svg) and "no data" in str(combined.charts[0].svg)
    with pytest.raises(ValueError):
        progress.view("everything")


def test_only_sent_check_ins_within_the_window_count(world):
    couple = world.couple
    today = week(20)
    plant(couple, 1, week(20) - timedelta(weeks=12), 1)  # just outside twelve periods
    plant(couple, 1, week(19), 2)
    plant(couple, 2, week(19), 5, status="draft")
    progress = couple_progress(couple, today)
    assert progress.periods == (week(19), week(20))
    assert progress.ratings[CheckInItem.TRUST] == {1: (2, None), 2: (None, None)}


def test_the_couple_page_shows_progress_for_the_therapist(app, world):
    therapist = clinician_login(app, world.clinician)
    empty = therapist.get(f"/couples/{world.couple.id}").data
    assert b"Check-ins and progress" in empty and b"No check-ins yet." in empty
    now = current_period(world.couple, practice_today())
    plant(world.couple, 1, now, 2, note="note for the therapist")
    plant(world.couple, 2, now, 5)
    page = therapist.get(f"/couples/{world.couple.id}").data
    assert page.count(b"<svg") == len(CheckInItem) and b"Lowest areas now" in page
    assert b"note for the therapist" in page and b"worth talking about" in page  # 2 and 5 are far apart


def render_progress(app, world, progress) -> dict[str, str]:
    """One PDF with the partial once per mode (one render keeps the test fast); its text by mode."""
    template = app.jinja_env.from_string(
        '{% extends "pdf/base.html" %}{% block content %}<h1>Summary</h1>{% for mode in modes %}'
        '<p style="break-before: page">MODE {{ mode }}</p>{% include "pdf/_progress.html" %}{% endfor %}'
        '{% endblock %}'
    )
    with app.test_request_context():
        pdf = render_document(template, practice=world.clinician.practice, progress=progress,
                              modes=list(ProgressMode), bounded=False)
    text: dict[str, str] = {}
    mode = None
    for page in pdf_pages(pdf):  # each mode starts a page, so text never crosses from one to the next
        mode = (re.search(r"MODE (\w+)", page) or [None, mode])[1]
        text[mode] = text.get(mode, "") + page
    return text


def test_pdfs_carry_each_audiences_share_and_never_notes_to_the_couple(app, world):
    couple = world.couple
    rows = [checkin(couple, 1, week(0), 1, note="never-in-a-handout"), checkin(couple, 2, week(0), 5),
            checkin(couple, 2, week(1), 6)]
    text = render_progress(app, world, build_progress(couple, rows, last_period=week(1)))

    clinician, combined, both = text["clinician"], text["couple_combined"], text["couple_both"]
    assert "Check-in progress" in clinician and "never-in-a-handout" in clinician and "Lowest areas now" in clinician
    assert "The two of you" in combined and "Closeness" in combined
    assert "Alex" not in combined and "Sam" not in combined and "never-in-a-handout" not in combined
    assert "Alex" in both and "Sam" in both and "never-in-a-handout" not in both and "Gap" not in both
    for handout in (combined, both):
        assert "Lowest areas" not in handout and "afraid" not in handout.lower() and "safety" not in handout.lower()
