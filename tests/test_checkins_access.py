"""Who may open each check-in, safety and export URL: every new route against every kind of visitor.

Expected outcomes: a status code, or "login" (sent to sign in). Another
clinician's couple, and any clinician page for a partner, is simply not found.
One test per visitor walks every route in order, so the world is built once
per visitor rather than once per route.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from practice.checkins.schedule import current_period
from practice.extensions import db
from practice.models import CheckIn
from practice.web.templating import practice_today
from tests.checkin_helpers import ALL_THREES, plant_flag
from tests.homework_helpers import world  # noqa: F401
from tests.test_homework_privacy import VISITORS, browser_for

PARTNERS = dict(p1=None, p2=None, outsider=None, clinician=404, other_clinician=404, stranger=404, anonymous="login")
CLINICIAN = dict(p1=404, p2=404, outsider=404, clinician=None, other_clinician=404, stranger=404, anonymous="login")

MATRIX = {  # walked in this order: the autosave creates the draft that the form post then saves over
    ("GET", "/portal/check-in"): PARTNERS | dict(p1=200, p2=200, outsider=200),
    ("POST", "/portal/check-in/autosave"): PARTNERS | dict(p1=200, p2=200, outsider=200),
    ("POST", "/portal/check-in"): PARTNERS | dict(p1=302, p2=302, outsider=302),
    ("GET", "/couples/{couple}/check-ins/settings"): CLINICIAN | dict(clinician=200),
    ("POST", "/couples/{couple}/check-ins/settings"): CLINICIAN | dict(clinician=302),
    ("GET", "/couples/{couple}/safety/{flag}"): CLINICIAN | dict(clinician=200),
    ("POST", "/couples/{couple}/safety/{flag}"): CLINICIAN | dict(clinician=302),
    ("POST", "/couples/{couple}/export"): CLINICIAN | dict(clinician=302),  # to the export job's progress page
    ("GET", "/couples/{couple}/exports"): CLINICIAN | dict(clinician=200),
}


def post_data(world, visitor: str, url: str) -> dict:
    """What the page's own form would send, for the state the walk has reached."""
    if not url.startswith("/portal/"):
        db.session.refresh(world.couple)
        return {"note": "Called them.", "cadence_days": "14", "version": str(world.couple.version)}
    partner = {"p1": world.p1, "p2": world.p2, "outsider": world.outsider}.get(visitor)
    period = current_period(partner.couple if partner else world.couple, practice_today())
    version = db.session.scalar(select(CheckIn.version).where(
        CheckIn.partner_id == (partner.id if partner else None), CheckIn.period_start == period))
    return ALL_THREES | {"action": "save", "version": str(version or 0), "q_note": "draft",
                         "period": period.isoformat()}


@pytest.mark.parametrize("visitor", VISITORS)
def test_checkin_access_matrix(app, world, visitor):
    last_week = current_period(world.couple, practice_today()) - timedelta(days=7)
    ids = {"couple": world.couple.id, "flag": plant_flag(world.couple, 2, last_week).id}
    browser = browser_for(app, world, visitor)
    for (method, url), outcomes in MATRIX.items():
        path = url.format(**ids)
        response = browser.get(path) if method == "GET" else browser.post_form(path, post_data(world, visitor, url))
        expected = outcomes[visitor]
        if expected == "login":
            assert response.status_code == 302 and "login" in response.headers["Location"], (method, url)
        else:
            assert response.status_code == expected, (method, url, response.data[:300])


def test_every_new_route_is_in_the_matrix(app):
    rules = {(method, r.rule) for r in app.url_map.iter_rules()
             if r.endpoint.startswith(("portal_checkins.", "checkins.", "records."))
             for method in r.methods - {"HEAD", "OPTIONS"}}
    covered = {(method, url.replace("{couple}", "<int:couple_id>").replace("{flag}", "<int:flag_id>"))
               for method, url in MATRIX}
    assert rules == covered
