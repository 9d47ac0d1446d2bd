"""Who may open which session page or PDF: every session URL against every kind of visitor.

Expected outcomes: 200 (allowed), 302 (allowed, redirected after a post),
403 (a colleague's signed note), 404 (not found: wrong owner, wrong kind of
account, or a handout not released), "login" (sent to sign in).
"""

from __future__ import annotations

from string import Formatter

import pytest
from sqlalchemy import select

from practice.extensions import db
from practice.models import AuditEvent
from tests.homework_helpers import browser_for, clinician_login, world  # noqa: F401
from tests.session_helpers import record_session, signed_session

VISITORS = ["p1", "p2", "outsider", "clinician", "other_clinician", "stranger", "anonymous"]
CLINICIAN_ONLY = dict(p1=404, p2=404, outsider=404, other_clinician=404, stranger=404, anonymous="login")

# {draft}: a draft; {signed}: signed, not released; {released}: signed and released; {theirs}: another couple's, released.
MATRIX = {
    ("GET", "/couples/{couple}/sessions/new"): CLINICIAN_ONLY | dict(clinician=200),
    ("POST", "/couples/{couple}/sessions/new"): CLINICIAN_ONLY | dict(clinician=302),
    ("GET", "/sessions/{draft}"): CLINICIAN_ONLY | dict(clinician=200),
    ("POST", "/sessions/{draft}"): CLINICIAN_ONLY | dict(clinician=302),
    ("GET", "/sessions/{signed}"): CLINICIAN_ONLY | dict(clinician=200),
    ("POST", "/sessions/{signed}/amendments"): CLINICIAN_ONLY | dict(clinician=302),
    ("POST", "/sessions/{signed}/release"): CLINICIAN_ONLY | dict(clinician=302),
    ("GET", "/sessions/{signed}/clinician.pdf"): CLINICIAN_ONLY | dict(clinician=200),
    ("GET", "/sessions/{released}/couple.pdf"): CLINICIAN_ONLY | dict(clinician=200),
    ("GET", "/sessions/{signed}/versions/clinician/1.pdf"): CLINICIAN_ONLY | dict(clinician=200),
    ("GET", "/sessions/{released}/versions/couple/1.pdf"): CLINICIAN_ONLY | dict(clinician=200),
    ("GET", "/sessions/{signed}/versions/clinician/2.pdf"): CLINICIAN_ONLY | dict(clinician=404),
    ("GET", "/sessions/{draft}/versions/clinician/1.pdf"): CLINICIAN_ONLY | dict(clinician=404),
    ("GET", "/sessions/{theirs}/versions/couple/1.pdf"): CLINICIAN_ONLY | dict(clinician=200),
    ("POST", "/sessions/{released}/withdraw"): CLINICIAN_ONLY | dict(clinician=302),
    ("POST", "/sessions/{released}/corrected"): CLINICIAN_ONLY | dict(clinician=200),
    ("GET", "/portal/handouts/{released}.pdf"): dict(p1=200, p2=200, outsider=404, clinician=404, other_clinician=404,
                                                      stranger=404, anonymous="login"),
    ("GET", "/portal/handouts/{signed}.pdf"): dict(p1=404, p2=404, outsider=404, clinician=404, other_clinician=404,
                                                    stranger=404, anonymous="login"),
    ("GET", "/portal/handouts/{theirs}.pdf"): dict(p1=404, p2=404, outsider=200, clinician=404, other_clinician=404,
                                                    stranger=404, anonymous="login"),
}

POST_DATA = {"day": "2026-11-03", "at": "10:00", "minutes": "50", "format": "in_person", "attended": "both",
             "focus": "Posted", "version": "1", "text": "An amendment"}


@pytest.mark.parametrize("visitor", VISITORS)
def test_session_access_matrix(app, world, visitor):
    """Every URL for one visitor (each on fresh records), compared as a whole so one run shows every miss."""
    browser = browser_for(app, world, visitor)
    makers = {"couple": lambda: world.couple, "draft": lambda: record_session(world), "signed": lambda: signed_session(world),
              "released": lambda: signed_session(world, release=True),
              "theirs": lambda: signed_session(world, release=True, couple=world.other_couple)}
    outcomes = {}
    for method, url in MATRIX:
        path = url.format(**{name: makers[name]().id for _, name, _, _ in Formatter().parse(url) if name})
        before = downloads()
        response = browser.get(path) if method == "GET" else browser.post_form(path, POST_DATA)
        outcomes[(method, url)] = outcome(response)
        if path.endswith(".pdf"):
            recorded = downloads()[len(before):]
            assert bool(recorded) == (response.status_code == 200), path
            if response.status_code == 200:
                assert_a_recorded_private_download(response, recorded, visitor)
    assert outcomes == {key: expected[visitor] for key, expected in MATRIX.items()}


def outcome(response) -> int | str:
    """The status code, or "login" for a redirect to a sign-in page."""
    if response.status_code == 302 and "login" in response.headers["Location"]:
        return "login"
    return response.status_code


def downloads() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "download").order_by(AuditEvent.id)))


def assert_a_recorded_private_download(response, recorded, visitor) -> None:
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"twofold-session-")
    assert response.headers["Cache-Control"] == "no-store"
    [event] = recorded
    assert event.actor_kind == ("clinician" if visitor == "clinician" else "partner")
    assert event.record_type == "TherapySession" and event.practice_id is not None
    assert event.detail["copy"] in ("clinician", "couple")


def test_a_colleague_who_did_not_sign_cannot_amend(app, world):
    session = signed_session(world)
    world.couple.clinician_id = world.colleague.id
    db.session.commit()
    response = clinician_login(app, world.colleague).post_form(f"/sessions/{session.id}/amendments", {"text": "x"})
    assert response.status_code == 403
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access_refused")).all()
    assert [(e.record_type, e.record_id) for e in refused] == [("TherapySession", session.id)]


def test_another_clinicians_session_id_is_recorded_as_refused(app, world):
    session = signed_session(world)
    assert clinician_login(app, world.stranger).get(f"/sessions/{session.id}/clinician.pdf").status_code == 404
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access_refused"))
    assert (refused.record_type, refused.record_id) == ("TherapySession", session.id)


def test_every_session_route_is_in_the_matrix(app):
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("sessions.") or r.endpoint == "portal.handout"}
    covered = {"/couples/<int:couple_id>/sessions/new", "/sessions/<int:session_id>",
               "/sessions/<int:session_id>/amendments", "/sessions/<int:session_id>/release", "/sessions/<int:session_id>/sign",
               "/sessions/<int:session_id>/<any(clinician, couple):copy>.pdf", "/portal/handouts/<int:session_id>.pdf",
               "/sessions/<int:session_id>/withdraw", "/sessions/<int:session_id>/corrected",
               "/sessions/<int:session_id>/versions/<any(clinician, couple):copy>/<int:version>.pdf"}
    assert rules == covered
