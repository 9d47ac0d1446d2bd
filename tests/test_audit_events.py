"""Which events the audit trail records, with what, and never with clinical text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from practice import audit
from practice.extensions import db
from practice.models import Clinician, Couple, utcnow
from tests.audit_helpers import audit_events, stored_text
from tests.factories import PASSWORD, make_clinician, make_couple
from tests.test_auth_flows import link_in, signup_data

ADDRESS = {"REMOTE_ADDR": "203.0.113.7"}


def assert_recent(event) -> None:
    assert utcnow() - timedelta(seconds=30) < event.occurred_at <= utcnow()
    assert event.occurred_at.utcoffset() == timedelta(0)


@pytest.mark.asvs("7.2.1")
def test_sign_in_and_sign_out_are_recorded_with_actor_time_and_address(client, clinician):
    client.post_form("/login", {"email": clinician.email, "password": PASSWORD}, environ_base=ADDRESS)
    client.post_form("/logout", environ_base=ADDRESS)
    login_event, logout_event = audit_events()
    for event, action in ((login_event, "login"), (logout_event, "logout")):
        assert event.action == action
        assert (event.actor_kind, event.actor_id) == ("clinician", clinician.id)
        assert event.practice_id == clinician.practice_id
        assert event.remote_addr == "203.0.113.7"
        assert_recent(event)


def test_signing_in_by_confirming_a_sign_up_is_recorded_as_a_login(client, outbox):
    client.post_form("/signup", signup_data())
    client.get(link_in(outbox[0], "/signup/confirm/"))
    (event,) = audit_events()
    owner = db.session.scalars(select(Clinician)).one()
    assert (event.action, event.actor_id, event.practice_id) == ("login", owner.id, owner.practice_id)


@pytest.mark.asvs("7.1.1")
@pytest.mark.parametrize("email, password", [("known@example.com", "a wrong password!"), ("nobody@example.com", PASSWORD)])
def test_a_failed_sign_in_is_recorded_without_identity_or_credentials(client, email, password):
    make_clinician(email="known@example.com")
    client.post_form("/login", {"email": email, "password": password}, environ_base=ADDRESS)
    (event,) = audit_events()
    assert event.action == "login_failed" and event.remote_addr == "203.0.113.7"
    assert (event.actor_kind, event.actor_id, event.practice_id) == ("anonymous", None, None)
    assert event.detail == {"email_hmac": audit.email_digest(email)}
    assert email not in stored_text() and password not in stored_text()


def test_failed_sign_ins_for_known_and_unknown_emails_look_alike(client):
    make_clinician(email="known@example.com")
    for email in ("known@example.com", "nobody@example.com"):
        client.post_form("/login", {"email": email, "password": "not the password"})
    known, unknown = audit_events()
    assert shape(known) == shape(unknown)


def shape(event) -> tuple:
    return event.action, event.actor_kind, event.actor_id, event.practice_id, event.record_type, sorted(event.detail)


@pytest.mark.asvs("7.1.3")
def test_viewing_creating_and_changing_a_couple_are_recorded(logged_in, clinician):
    logged_in.post_form("/couples/new", couple_form(), environ_base=ADDRESS)
    couple = db.session.scalars(select(Couple)).one()
    logged_in.get(f"/couples/{couple.id}", environ_base=ADDRESS)
    logged_in.post_form(f"/couples/{couple.id}/edit", couple_form(version=couple.version), environ_base=ADDRESS)
    events = audit_events()
    assert [e.action for e in events] == ["login", "create", "view", "change"]
    for event in events[1:]:
        assert (event.record_type, event.record_id, event.couple_id) == ("Couple", couple.id, couple.id)
        assert (event.actor_kind, event.actor_id) == ("clinician", clinician.id)
        assert event.remote_addr == "203.0.113.7"
        assert_recent(event)


@pytest.mark.asvs("7.1.2")
def test_the_trail_never_holds_what_was_written(logged_in, clinician):
    couple = make_couple(clinician, names=("Marguerite", "Bartholomew"))
    logged_in.get(f"/couples/{couple.id}")
    logged_in.post_form(f"/couples/{couple.id}/edit", couple_form(version=couple.version))
    text = stored_text()
    for written in ("Marguerite", "Bartholomew", "Zoë", "zoe@example.com", "stonewalling", "restructuring"):
        assert written not in text


def test_a_stale_edit_records_no_change(logged_in, clinician):
    couple = make_couple(clinician)
    logged_in.post_form(f"/couples/{couple.id}/edit", couple_form(version=couple.version - 1))
    assert [e.action for e in audit_events()] == ["login", "view"]  # the form came back, nothing saved


def test_detail_refuses_free_text(app):
    with pytest.raises(ValueError, match="never free text"):
        audit.record("change", detail={"note": "she said he never listens"})


def test_outside_a_request_the_actor_is_the_system(app):
    event = audit.record("export", record_type="Couple", record_id=7)
    db.session.commit()
    assert (event.actor_kind, event.actor_id, event.remote_addr) == ("system", None, None)


def couple_form(**overrides) -> dict:
    data = {
        "partner1-name": "Zoë", "partner1-email": "zoe@example.com", "partner2-name": "Sam",
        "concerns": ["stonewalling"], "stage": "restructuring", "start_date": "2026-03-02", "status": "active",
    }
    return data | overrides
