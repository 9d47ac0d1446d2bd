"""Who may open which homework page: every portal and review URL against every kind of visitor.

Expected outcomes: 200 (allowed), 404 (not found: wrong owner or wrong kind
of account), "login" (sent to sign in).
"""

from __future__ import annotations

import pytest

from tests.homework_helpers import FULL_ANSWERS, browser_for, clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.test_homework_flow import answer

VISITORS = ["p1", "p2", "outsider", "clinician", "other_clinician", "stranger", "anonymous"]

# url template -> outcome per visitor. {mine} is an assignment for partner 1 only; {both} for both.
MATRIX = {
    ("GET", "/portal/"): dict(p1=200, p2=200, outsider=200, clinician=404, other_clinician=404, stranger=404, anonymous="login"),
    ("GET", "/portal/homework/{mine}"): dict(p1=200, p2=404, outsider=404, clinician=404, other_clinician=404, stranger=404, anonymous="login"),
    ("POST", "/portal/homework/{mine}"): dict(p1=302, p2=404, outsider=404, clinician=404, other_clinician=404, stranger=404, anonymous="login"),
    ("POST", "/portal/homework/{mine}/autosave"): dict(p1=200, p2=404, outsider=404, clinician=404, other_clinician=404, stranger=404, anonymous="login"),
    ("GET", "/portal/homework/{both}"): dict(p1=200, p2=200, outsider=404, clinician=404, other_clinician=404, stranger=404, anonymous="login"),
    ("GET", "/homework/{both}"): dict(p1=404, p2=404, outsider=404, clinician=200, other_clinician=404, stranger=404, anonymous="login"),
    ("POST", "/homework/{both}"): dict(p1=404, p2=404, outsider=404, clinician=302, other_clinician=404, stranger=404, anonymous="login"),
    ("GET", "/couples/{couple}/homework/new"): dict(p1=404, p2=404, outsider=404, clinician=200, other_clinician=404, stranger=404, anonymous="login"),
    ("GET", "/couples/{couple}/homework/new?exercise={exercise}"): dict(p1=404, p2=404, outsider=404, clinician=200, other_clinician=404, stranger=404, anonymous="login"),
    ("POST", "/couples/{couple}/homework/new?exercise={exercise}"): dict(p1=404, p2=404, outsider=404, clinician=302, other_clinician=404, stranger=404, anonymous="login"),
    ("GET", "/library/{exercise}/assign?couple={couple}"): dict(p1=404, p2=404, outsider=404, clinician=302, other_clinician=404, stranger=404, anonymous="login"),
    ("GET", "/dashboard"): dict(p1=404, p2=404, outsider=404, clinician=200, other_clinician=200, stranger=200, anonymous="login"),
}

POST_DATA = {"who": "both", "due_date": "2099-01-01", "sharing": "private", "comment": "", "version": "1",
             "action": "save", "q_story": "draft"}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("method, url", list(MATRIX))
def test_homework_access_matrix(app, world, method, url, visitor):
    ids = {"mine": give_homework(world, positions=(1,)).id, "both": give_homework(world).id,
           "couple": world.couple.id, "exercise": world.exercise.id}
    browser = browser_for(app, world, visitor)
    path = url.format(**ids)
    response = browser.get(path) if method == "GET" else browser.post_form(path, POST_DATA)
    expected = MATRIX[(method, url)][visitor]
    if expected == "login":
        assert response.status_code == 302 and "login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.data[:300]


def test_every_homework_route_is_in_the_matrix(app):
    handouts = {"portal.handout"}  # in the session access matrix (test_sessions_access.py)
    own_choice = {"portal.sharing"}  # the partner's own setting, in test_sharing_canaries.py
    rules = {r.rule for r in app.url_map.iter_rules()
             if r.endpoint.startswith(("homework.", "portal.")) and r.endpoint not in handouts | own_choice}
    public = {"/portal/login", "/portal/welcome/<token>", "/portal/logout", "/portal/support",
              "/portal/safety-plan"}
    covered = {"/portal/", "/portal/homework/<int:assignment_id>", "/portal/homework/<int:assignment_id>/autosave",
               "/homework/<int:assignment_id>", "/couples/<int:couple_id>/homework/new",
               "/library/<int:exercise_id>/assign", "/dashboard"}
    assert rules - public == covered


SECRET = "p2-secret-words-7731"


@pytest.mark.parametrize("sharing", ["private", "shared_after_both"])
def test_what_each_visitor_can_read_before_and_after_both_submit(app, world, sharing):
    assignment = give_homework(world, sharing=sharing)
    p1, p2 = partner_login(app, world.p1), partner_login(app, world.p2)
    outsider = partner_login(app, world.outsider)
    answer(p2, assignment.id, "submit", FULL_ANSWERS | {"q_story": SECRET})
    pages = lambda b: [b.get("/portal/").data, b.get(f"/portal/homework/{assignment.id}").data]  # noqa: E731

    assert all(SECRET.encode() not in page for page in pages(p1)), "before partner 1 submits"
    answer(p1, assignment.id, "submit", FULL_ANSWERS)
    shown_to_p1 = any(SECRET.encode() in page for page in pages(p1))
    assert shown_to_p1 == (sharing == "shared_after_both")
    assert all(SECRET.encode() not in page for page in pages(outsider))
    assert outsider.get(f"/portal/homework/{assignment.id}").status_code == 404
    assert SECRET.encode() in clinician_login(app, world.clinician).get(f"/homework/{assignment.id}").data
    assert clinician_login(app, world.colleague).get(f"/homework/{assignment.id}").status_code == 404


def test_a_changed_form_field_cannot_write_to_the_other_partners_answer(app, world):
    from sqlalchemy import select

    from practice.extensions import db
    from practice.models import Response

    assignment = give_homework(world)
    p1 = partner_login(app, world.p1)
    p1.post_form(f"/portal/homework/{assignment.id}", {"q_story": "mine", "version": "1", "action": "save",
                                                        "partner_id": str(world.p2.id), "partner_position": "2"})
    rows = {r.partner_id: r for r in db.session.scalars(select(Response))}
    assert rows[world.p1.id].answers.get("story") == "mine"
    assert rows[world.p2.id].answers == {}
