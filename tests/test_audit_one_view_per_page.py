"""One page view writes one "Viewed" row, for the record the page is about; a page of private data writes one."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from practice import audit
from practice.audit.services import QUEUED
from practice.extensions import db
from practice.models import AuditEvent
from tests.checkin_helpers import raise_flag
from tests.homework_helpers import clinician_login, give_homework, world  # noqa: F401
from tests.session_helpers import record_session, signed_session

PAGES = {
    "couple": lambda w, ids: f"/couples/{w.couple.id}",
    "edit couple": lambda w, ids: f"/couples/{w.couple.id}/edit",
    "draft note": lambda w, ids: f"/sessions/{ids['draft']}",
    "signed note": lambda w, ids: f"/sessions/{ids['signed']}",
    "homework review": lambda w, ids: f"/homework/{ids['assignment']}",
    "safety flag": lambda w, ids: f"/couples/{w.couple.id}/safety/{ids['flag']}",
}


def views() -> list[tuple[str, int]]:
    db.session.rollback()
    return list(db.session.execute(select(AuditEvent.record_type, AuditEvent.record_id)
                                   .where(AuditEvent.action == "view").order_by(AuditEvent.id)))


@pytest.mark.parametrize("page", PAGES)
def test_a_page_of_private_data_writes_exactly_one_view(app, world, page):
    ids = {"draft": record_session(world).id, "signed": signed_session(world).id,
           "assignment": give_homework(world).id, "flag": raise_flag(world.couple.partner(1)).id}
    therapist = clinician_login(app, world.clinician)
    before = len(views())
    response = therapist.get(PAGES[page](world, ids))
    assert response.status_code == 200
    assert len(views()) - before == 1, views()[before:]


def test_a_second_view_in_one_request_is_dropped(app, world):
    with app.test_request_context("/"):
        audit.viewed(world.couple)
        audit.viewed(world.couple.partner(1))
        assert [(e.record_type, e.record_id) for e in g.get(QUEUED)] == [("Couple", world.couple.id)]
