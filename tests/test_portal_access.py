"""Partner access: private links, passwords, sign-in, revocation, and role separation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from practice.extensions import db
from practice.models import PartnerInvitation, utcnow
from tests.factories import PASSWORD, make_clinician, make_couple
from tests.logins import login
from tests.reading import visible

OTHER_PASSWORD = "another long passphrase"


def invite(client, couple, position: int) -> str:
    """Create a partner's private link as the therapist and read it off the couple page."""
    response = client.post_form(f"/couples/{couple.id}/partners/{position}/invite")
    assert response.status_code == 302
    page = client.get(f"/couples/{couple.id}").data
    return re.search(rb'<p class="copy-link"[^>]*>http://localhost(/portal/welcome/[^<]+)</p>', page).group(1).decode()


def accept(app, link: str, email: str, password: str = PASSWORD):
    browser = app.test_client()
    response = browser.post_form(link, {"email": email, "password": password, "confirm": password})
    return browser, response


@pytest.fixture()
def couple(clinician):
    couple = make_couple(clinician)
    couple.partner(1).email = "alex@example.com"
    db.session.commit()
    return couple


def test_invitation_is_emailed_and_shown_then_sets_a_password(app, logged_in, couple, outbox):
    link = invite(logged_in, couple, 1)
    assert link in outbox[0].body and outbox[0].to == ["alex@example.com"]
    assert "Your partner" not in outbox[0].subject

    browser, response = accept(app, link, "alex@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    home = browser.get("/portal/").data
    assert b"Hello, Alex" in visible(home) and b"Need help now?" in home

    again = app.test_client().get(link)
    assert again.status_code == 400 and b"new one" in again.data


def test_partner_without_email_gets_a_link_to_hand_over_and_no_mail(app, logged_in, couple, outbox):
    link = invite(logged_in, couple, 2)
    assert outbox == []
    browser, response = accept(app, link, "sam.own@example.com")
    assert response.status_code == 302
    db.session.refresh(couple)
    assert couple.partner(2).email == "sam.own@example.com"


def test_partners_sharing_an_email_each_sign_in_to_their_own_space(app, logged_in, couple):
    accept(app, invite(logged_in, couple, 1), "home@example.com", PASSWORD)
    _, refused = accept(app, invite(logged_in, couple, 2), "home@example.com", PASSWORD)
    assert b"choose a different password" in refused.data
    accept(app, invite(logged_in, couple, 2), "home@example.com", OTHER_PASSWORD)

    for password, name in ((PASSWORD, b"Hello, Alex"), (OTHER_PASSWORD, b"Hello, Sam")):
        browser = app.test_client()
        response = browser.post_form("/portal/login", {"email": "home@example.com", "password": password})
        assert response.status_code == 302
        assert name in visible(browser.get("/portal/").data)


def test_wrong_partner_password_is_refused_without_detail(app, logged_in, couple):
    accept(app, invite(logged_in, couple, 1), "alex@example.com")
    for email in ("alex@example.com", "nobody@example.com"):
        response = app.test_client().post_form("/portal/login", {"email": email, "password": "not the password"})
        assert response.status_code == 200 and b"don&#39;t match" in response.data


def test_reissuing_a_link_retires_the_old_one(app, logged_in, couple):
    first = invite(logged_in, couple, 1)
    second = invite(logged_in, couple, 1)
    assert app.test_client().get(first).status_code == 400
    assert app.test_client().get(second).status_code == 200


def test_expired_link_gets_a_clear_page(app, logged_in, couple):
    link = invite(logged_in, couple, 1)
    invitation = db.session.scalar(select(PartnerInvitation))
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = app.test_client().get(link)
    assert page.status_code == 400 and b"therapist can send you a new one" in page.data


@pytest.mark.asvs("3.3.4")
def test_revoking_access_signs_the_partner_out_and_blocks_sign_in(app, logged_in, couple):
    browser, _ = accept(app, invite(logged_in, couple, 1), "alex@example.com")
    assert browser.get("/portal/").status_code == 200
    logged_in.post_form(f"/couples/{couple.id}/partners/1/revoke")
    assert browser.get("/portal/").status_code == 302
    response = app.test_client().post_form("/portal/login", {"email": "alex@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert b"Access turned off" in logged_in.get(f"/couples/{couple.id}").data


@pytest.mark.asvs("3.3.1")
def test_partner_logout_ends_a_copied_cookie(app, logged_in, couple):
    browser, _ = accept(app, invite(logged_in, couple, 1), "alex@example.com")
    stolen = browser.get_cookie("twofold_session").value
    browser.post_form("/portal/logout")
    thief = app.test_client()
    thief.set_cookie("twofold_session", stolen)
    assert thief.get("/portal/").status_code == 302


@pytest.mark.asvs("4.1.3")
@pytest.mark.parametrize("path", ["/couples/", "/couples/new", "/practice/", "/practice/team", "/account/",
                                  "/library/", "/library/new"])
def test_a_partner_is_never_a_clinician(app, logged_in, couple, path):
    browser, _ = accept(app, invite(logged_in, couple, 1), "alex@example.com")
    assert browser.get(path).status_code == 404
    assert browser.get(f"/couples/{couple.id}").status_code == 404


@pytest.mark.parametrize("path", ["/portal/", "/portal/support"])
def test_clinicians_do_not_see_the_portal_as_a_partner(logged_in, path):
    assert logged_in.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/portal/", "/portal/support"])
def test_anonymous_visitors_are_sent_to_the_partner_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/portal/login" in response.headers["Location"]


@pytest.mark.asvs("4.2.1")
@pytest.mark.parametrize("action", ["invite", "revoke"])
def test_another_clinician_cannot_manage_someone_elses_partners(client, clinician, couple, action, outbox):
    login(client, make_clinician(clinician.practice))
    assert client.post_form(f"/couples/{couple.id}/partners/1/{action}").status_code == 404
    assert outbox == []
    assert db.session.scalar(select(PartnerInvitation)) is None


def test_support_page_shows_the_practice_crisis_resources(app, logged_in, couple, clinician):
    clinician.practice.crisis_resources = "Call 988 any time."
    db.session.commit()
    browser, _ = accept(app, invite(logged_in, couple, 1), "alex@example.com")
    page = browser.get("/portal/support").data
    assert b'Call <a href="tel:988" class="tel-link">988</a>' in page and b"any time." in page


def test_welcome_form_bad_input_keeps_the_email(app, logged_in, couple):
    link = invite(logged_in, couple, 1)
    response = app.test_client().post_form(link, {"email": "alex@example.com", "password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert b"12 characters" in response.data and b'value="alex@example.com"' in response.data
