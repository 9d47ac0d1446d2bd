"""The owner's practice profile and team: editing, invitations, access."""

from __future__ import annotations

import re

from sqlalchemy import select

from practice.extensions import db
from practice.models import Clinician, ClinicianInvitation
from tests.factories import PASSWORD, make_clinician
from tests.logins import login
from tests.reading import visible

PROFILE = {
    "name": "Riverbend", "address": "1 Main St", "phone": "+1 (555) 010-2040",
    "timezone": "Europe/Berlin", "crisis_resources": "Call 112 in an emergency.", "page_size": "letter",
    "idle_timeout_minutes": "15",
}


def test_owner_edits_the_practice_profile(logged_in, clinician):
    response = logged_in.post_form("/practice/", PROFILE | {"version": clinician.practice.version})
    assert response.status_code == 302
    practice = clinician.practice
    db.session.refresh(practice)
    assert (practice.name, practice.timezone, practice.crisis_resources) == ("Riverbend", "Europe/Berlin", "Call 112 in an emergency.")
    assert practice.page_size == "letter"
    assert practice.version == 2


def test_a_stale_profile_form_is_refused_and_keeps_the_typed_text(logged_in, clinician):
    version = clinician.practice.version
    logged_in.post_form("/practice/", PROFILE | {"version": version})
    response = logged_in.post_form("/practice/", PROFILE | {"name": "My late edit", "version": version})
    assert response.status_code == 200
    assert b"Someone else saved this page" in response.data
    assert b'value="My late edit"' in response.data
    practice = clinician.practice
    db.session.refresh(practice)
    assert practice.name == "Riverbend"
    # Saving again, having been told, replaces the newer version on purpose.
    version_field = re.search(rb'id="version" name="version" type="hidden" value="(\d+)"', response.data).group(1)
    assert logged_in.post_form("/practice/", PROFILE | {"name": "My late edit", "version": version_field.decode()}).status_code == 302


def test_profile_rejects_an_unknown_time_zone(logged_in, clinician):
    response = logged_in.post_form("/practice/", PROFILE | {"timezone": "Mars/Olympus", "version": clinician.practice.version})
    assert response.status_code == 200
    assert b"Not a valid choice" in response.data


def test_non_owner_clinicians_cannot_manage_the_practice(client, clinician):
    colleague = make_clinician(clinician.practice)
    login(client, colleague)
    assert client.get("/practice/").status_code == 403
    assert client.get("/practice/team").status_code == 403
    assert client.post_form("/practice/team/invitations", {"email": "x@example.com"}).status_code == 403


def test_invited_colleague_joins_the_practice(app, logged_in, clinician, outbox):
    response = logged_in.post_form("/practice/team/invitations", {"email": "new.colleague@example.com"})
    assert response.status_code == 200
    link = re.search(rb'<p class="copy-link">http://localhost(/join/[^<]+)</p>', response.data).group(1).decode()
    assert link in outbox[0].body

    newcomer = app.test_client()
    page = newcomer.get(link)
    assert b"Join " + clinician.practice.name.encode() in visible(page.data)
    response = newcomer.post_form(link, {"name": "Kim Lee", "credentials": "LPC", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    joined = db.session.scalar(select(Clinician).where(Clinician.email == "new.colleague@example.com"))
    assert joined.practice_id == clinician.practice_id and not joined.is_owner
    assert app.test_client().get(link).status_code == 400


def test_revoked_invitation_no_longer_works(app, logged_in, clinician):
    response = logged_in.post_form("/practice/team/invitations", {"email": "maybe@example.com"})
    link = re.search(rb"http://localhost(/join/[^<]+)</p>", response.data).group(1).decode()
    invitation = db.session.scalar(select(ClinicianInvitation))
    logged_in.post_form(f"/practice/team/invitations/{invitation.id}/revoke")
    page = app.test_client().get(link)
    assert page.status_code == 400 and b"expired or has already been used" in page.data


def test_owner_of_another_practice_cannot_revoke_or_deactivate(app, logged_in, clinician):
    logged_in.post_form("/practice/team/invitations", {"email": "maybe@example.com"})
    invitation = db.session.scalar(select(ClinicianInvitation))
    colleague = make_clinician(clinician.practice)
    stranger = app.test_client()
    login(stranger, make_clinician(owner=True))
    assert stranger.post_form(f"/practice/team/invitations/{invitation.id}/revoke").status_code == 404
    assert stranger.post_form(f"/practice/team/{colleague.id}/deactivate").status_code == 404
    db.session.refresh(invitation)
    assert invitation.revoked_at is None


def test_deactivating_a_colleague_ends_their_session(app, logged_in, clinician):
    colleague = make_clinician(clinician.practice)
    their_browser = app.test_client()
    login(their_browser, colleague)
    response = logged_in.post_form(f"/practice/team/{colleague.id}/deactivate")
    assert response.status_code == 302
    assert their_browser.get("/couples/").status_code == 302
    assert their_browser.post_form("/login", {"email": colleague.email, "password": PASSWORD}).status_code == 200
    logged_in.post_form(f"/practice/team/{colleague.id}/reactivate")
    login(their_browser, colleague)


def test_owner_cannot_deactivate_themselves(logged_in, clinician):
    assert logged_in.post_form(f"/practice/team/{clinician.id}/deactivate").status_code == 400


def test_team_page_lists_clinicians_and_open_invitations(logged_in, clinician):
    make_clinician(clinician.practice, name="Jo March")
    logged_in.post_form("/practice/team/invitations", {"email": "pending@example.com"})
    page = logged_in.get("/practice/team").data
    assert b"Jo March" in page and b"pending@example.com" in page
