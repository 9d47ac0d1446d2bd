"""Issue 13 §5: absurd numbers (10**30) in URLs, query strings and forms get a clean answer, never a 500."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from practice.web.formtools import MAX_INT, bounded_int
from tests.homework_helpers import FULL_ANSWERS, clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.test_homework_flow import answer

HUGE = str(10**30)


def int_routes(app):
    """(rule, methods) for every route whose variables are all integers."""
    for rule in app.url_map.iter_rules():
        converters = rule._converters.values()
        if converters and all(isinstance(c, IntegerConverter) for c in converters):
            yield rule


def test_every_int_route_answers_a_huge_id_with_404(app, world):
    therapist = clinician_login(app, world.clinician)
    partner = partner_login(app, world.p1)
    checked = 0
    for rule in int_routes(app):
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", HUGE)
        for browser in (therapist, partner):
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = browser.post_form(url, {}) if method == "POST" else browser.get(url)
                assert response.status_code == 404, (method, url, response.status_code)
                checked += 1
    assert checked > 40


@pytest.mark.parametrize("path", ["/couples/?page={n}", "/couples/{couple}/homework/new?exercise={n}",
                                  "/library/{exercise}/assign?couple={n}", "/couples/{couple}?page={n}",
                                  "/couples/{couple}/audit?page={n}", "/practice/audit?page={n}"])
def test_huge_query_numbers_are_ignored_or_refused(app, world, path):
    therapist = clinician_login(app, world.clinician)
    response = therapist.get(path.format(n=HUGE, couple=world.couple.id, exercise=world.exercise.id))
    assert response.status_code in (200, 302, 404)


def test_a_huge_version_is_a_conflict_not_a_500(app, world):
    assignment = give_homework(world)
    answer(partner_login(app, world.p1), assignment.id, "submit", FULL_ANSWERS)
    therapist = clinician_login(app, world.clinician)
    review = therapist.post_form(f"/homework/{assignment.id}", {"comment": "Hello", "version": HUGE})
    assert review.status_code == 200 and b"Someone else saved this page" in review.data
    edit = therapist.post_form(f"/couples/{world.couple.id}/edit", {
        "partner1-name": "Alex", "partner2-name": "Sam", "stage": "deescalation", "start_date": "2026-01-05",
        "status": "active", "version": HUGE})
    assert edit.status_code == 200 and b"Someone else saved this page" in edit.data
    partner = partner_login(app, world.p1)
    saved = partner.post_form(f"/portal/homework/{assignment.id}", {"action": "save", "version": HUGE})
    assert saved.status_code in (200, 409)


def test_bounded_int():
    assert bounded_int("42") == 42 and bounded_int(str(MAX_INT)) == MAX_INT
    for bad in (HUGE, str(MAX_INT + 1), "-1", "x"):
        with pytest.raises(ValueError):
            bounded_int(bad)
