"""Who may read which trail: clinicians their couples', owners their practice's."""

from __future__ import annotations

import pytest

from practice import audit
from practice.extensions import db
from tests.audit_helpers import audit_events
from tests.factories import make_clinician, make_couple
from tests.logins import login


def rows_of(response) -> str:
    """The trail table's rows, without the filter's option labels."""
    html = response.data.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


@pytest.mark.asvs("7.3.3")
def test_a_clinician_sees_the_trail_of_their_couple(logged_in, clinician):
    couple = make_couple(clinician)
    logged_in.get(f"/couples/{couple.id}")
    page = logged_in.get(f"/couples/{couple.id}/audit")
    assert page.status_code == 200
    html = rows_of(page)
    assert "Viewed" in html and clinician.name in html and f"Couple #{couple.id}" in html


@pytest.mark.asvs("4.2.1")
def test_another_clinicians_couple_trail_is_not_found_and_the_attempt_is_recorded(client, clinician):
    colleague = make_clinician(clinician.practice)
    couple = make_couple(clinician)
    login(client, colleague)
    assert client.get(f"/couples/{couple.id}/audit").status_code == 404
    refusal = audit_events("access_refused")[0]
    assert (refusal.actor_id, refusal.record_type, refusal.record_id) == (colleague.id, "Couple", couple.id)
    assert refusal.couple_id is None  # never shown in that couple's trail


@pytest.mark.asvs("7.2.2")
def test_a_clinician_who_is_not_the_owner_gets_403_for_the_practice_trail(client, clinician):
    colleague = make_clinician(clinician.practice)
    login(client, colleague)
    assert client.get("/practice/audit").status_code == 403
    refusal = audit_events("access_refused")[0]
    assert refusal.actor_id == colleague.id and refusal.detail == {"endpoint": "practice_audit.practice_trail"}


def test_anonymous_visitors_are_sent_to_sign_in(client, clinician):
    couple = make_couple(clinician)
    for url in ("/practice/audit", f"/couples/{couple.id}/audit"):
        assert client.get(url).headers["Location"].startswith("/login")


def test_the_owner_sees_the_practice_trail_and_can_filter_it(app, client, clinician):
    colleague = make_clinician(clinician.practice, name="Rowan Ellery")
    login(app.test_client(), make_clinician(name="Outsider Person"))  # another practice: stays out
    colleague_browser = app.test_client()
    login(colleague_browser, colleague)
    colleague_browser.get(f"/couples/{make_couple(colleague).id}")
    login(client, clinician)
    everything = rows_of(client.get("/practice/audit"))
    assert "Rowan Ellery" in everything and "Viewed" in everything and "Signed in" in everything
    assert "Outsider" not in everything
    views = rows_of(client.get("/practice/audit?action=view"))
    assert "Viewed" in views and "Signed in" not in views


def test_the_practice_trail_is_paginated_newest_first(app, logged_in, clinician):
    app.config["AUDIT_EVENTS_PER_PAGE"], per_page = 2, app.config["AUDIT_EVENTS_PER_PAGE"]
    try:
        for n in (1, 2, 3):
            audit.record("view", actor=clinician, record_type="Couple", record_id=1000 + n)
        db.session.commit()
        first = logged_in.get("/practice/audit").data.decode()
        second = logged_in.get("/practice/audit?page=2").data.decode()
    finally:
        app.config["AUDIT_EVENTS_PER_PAGE"] = per_page
    assert "Couple #1003" in first and "Couple #1002" in first and "Page 1 of 2" in first
    assert "Couple #1001" in second
