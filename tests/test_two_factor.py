"""Two-step sign-in for clinicians, re-authentication, and changing the sign-in email."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select, text

from practice.auth.lifetimes import PENDING_SECOND_FACTOR, REAUTH_AT, now
from practice.extensions import db
from practice.models import RecoveryCode
from tests.audit_helpers import audit_events
from tests.factories import PASSWORD, make_clinician
from tests.logins import login
from tests.test_auth_flows import link_in

SETUP = "/account/security/two-factor/setup"


def enrol(browser) -> tuple[str, list[str]]:
    """Turn on two-step sign-in through the pages; return the secret and the recovery codes."""
    assert browser.post_form("/account/security/two-factor/start").status_code == 302
    page = browser.get(SETUP).data.decode()
    secret = re.search(r'<code class="copy-link">([A-Z2-7]+)</code>', page).group(1)
    response = browser.post_form(SETUP, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and b"Your recovery codes" in response.data
    return secret, re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.data.decode())


def next_code(secret: str) -> str:
    """The code of the next 30-second step: still accepted (clock drift), and never used before."""
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.fixture()
def enrolled(app, clinician):
    browser = app.test_client()
    login(browser, clinician)
    secret, codes = enrol(browser)
    browser.post_form("/logout")
    return secret, codes


def password_step(app, clinician):
    browser = app.test_client()
    response = browser.post_form("/login", {"email": clinician.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/code"
    return browser


@pytest.mark.asvs("2.8.1")
def test_enrolment_shows_a_qr_code_drawn_on_the_page_and_stores_the_secret_encrypted(logged_in, clinician):
    logged_in.post_form("/account/security/two-factor/start")
    page = logged_in.get(SETUP).data.decode()
    svg = re.search(r"<figure class=\"qr\">(<svg.*?</svg>)</figure>", page, re.S).group(1)
    assert "<path" in svg and "http" not in svg and " style=" not in svg
    secret = re.search(r'<code class="copy-link">([A-Z2-7]+)</code>', page).group(1)
    raw = db.session.execute(text("SELECT totp_pending_secret FROM clinicians WHERE id = :id"), {"id": clinician.id}).scalar()
    assert secret not in raw and raw.startswith("gAAAAA")  # a Fernet token
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)


def test_a_wrong_code_does_not_turn_two_step_sign_in_on(logged_in, clinician):
    logged_in.post_form("/account/security/two-factor/start")
    response = logged_in.post_form(SETUP, {"code": "000000"})
    assert response.status_code == 200 and b"didn&#39;t work" in response.data
    db.session.refresh(clinician)
    assert not clinician.has_two_factor


@pytest.mark.asvs("2.8.1")
def test_sign_in_asks_for_the_code_after_the_password(app, clinician, enrolled):
    secret, _ = enrolled
    browser = password_step(app, clinician)
    assert browser.get("/couples/").status_code == 302  # not signed in yet
    response = browser.post_form("/login/code", {"code": next_code(secret)})
    assert response.headers["Location"] == "/"
    assert browser.get("/couples/").status_code == 200
    assert [e.action for e in audit_events()][-1] == "login"


@pytest.mark.asvs("2.8.4")
def test_a_replayed_code_is_refused(app, clinician, enrolled):
    secret, _ = enrolled
    code = next_code(secret)
    first = password_step(app, clinician)
    assert first.post_form("/login/code", {"code": code}).status_code == 302
    second = password_step(app, clinician)
    response = second.post_form("/login/code", {"code": code})
    assert response.status_code == 200 and b"didn&#39;t work" in response.data
    assert second.get("/couples/").status_code == 302
    failed = audit_events("login_failed")[-1]
    assert (failed.actor_id, failed.detail) == (clinician.id, {"factor": "second"})


@pytest.mark.asvs("2.6.1")
def test_a_recovery_code_signs_in_once(app, clinician, enrolled):
    _, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    assert password_step(app, clinician).post_form("/login/code", {"code": codes[0].upper()}).status_code == 302
    response = password_step(app, clinician).post_form("/login/code", {"code": codes[0]})
    assert response.status_code == 200


@pytest.mark.asvs("2.6.2")
def test_recovery_codes_are_stored_only_as_salted_hashes(clinician, enrolled):
    _, codes = enrolled
    rows = db.session.scalars(select(RecoveryCode)).all()
    stored = " ".join(f"{r.salt} {r.code_hash}" for r in rows)
    assert not any(code.replace("-", "") in stored or code in stored for code in codes)
    assert len({r.salt for r in rows}) == len(rows)


@pytest.mark.asvs("2.2.1")
def test_the_code_step_is_rate_limited_per_account(app, clinician, enrolled):
    browser = password_step(app, clinician)
    codes = [browser.post_form("/login/code", {"code": f"{n:06d}"}).status_code for n in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    other_address = password_step(app, clinician)  # the count follows the account, not the browser
    assert other_address.post_form("/login/code", {"code": "123456"}, environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 429


def test_the_code_must_follow_the_password_within_minutes(app, clinician, enrolled):
    secret, _ = enrolled
    browser = password_step(app, clinician)
    with browser.session_transaction() as session:
        session[PENDING_SECOND_FACTOR] = session[PENDING_SECOND_FACTOR] | {"at": now() - 6 * 60}
    response = browser.post_form("/login/code", {"code": next_code(secret)})
    assert response.headers["Location"] == "/login"
    assert browser.get("/couples/").status_code == 302


def test_the_code_page_without_a_password_step_sends_people_to_sign_in(client):
    assert client.get("/login/code").headers["Location"] == "/login"


def test_a_password_reset_still_asks_for_the_code(app, clinician, enrolled, outbox):
    browser = app.test_client()
    browser.post_form("/password/reset", {"email": clinician.email})
    new = "a quiet walk by the river"
    response = browser.post_form(link_in(outbox[0], "/password/reset/"), {"password": new, "confirm": new})
    assert response.headers["Location"] == "/login/code"
    assert browser.get("/couples/").status_code == 302


@pytest.mark.asvs("2.8.1")
def test_a_practice_can_require_two_step_sign_in(app, clinician):
    clinician.practice.require_two_factor = True
    db.session.commit()
    browser = app.test_client()
    login(browser, clinician)
    response = browser.get("/couples/")
    assert response.headers["Location"] == "/account/security/"
    assert b"Your practice asks everyone" in browser.get("/account/security/").data
    enrol(browser)
    assert browser.get("/couples/").status_code == 200
    refused = browser.post_form("/account/security/two-factor/disable")
    assert refused.status_code == 200 and b"can&#39;t be turned off" in refused.data
    db.session.refresh(clinician)
    assert clinician.has_two_factor


def test_two_step_sign_in_can_be_turned_off(app, clinician, enrolled):
    secret, _ = enrolled
    browser = password_step(app, clinician)
    browser.post_form("/login/code", {"code": next_code(secret)})
    assert browser.post_form("/account/security/two-factor/disable").status_code == 302
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert login(app.test_client(), clinician).headers["Location"] == "/"


def test_new_recovery_codes_retire_the_old_ones(app, clinician, enrolled):
    secret, old_codes = enrolled
    browser = password_step(app, clinician)
    browser.post_form("/login/code", {"code": next_code(secret)})
    page = browser.post_form("/account/security/two-factor/recovery-codes").data.decode()
    new_codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert password_step(app, clinician).post_form("/login/code", {"code": old_codes[1]}).status_code == 200
    assert password_step(app, clinician).post_form("/login/code", {"code": new_codes[1]}).status_code == 302


@pytest.mark.asvs("3.7.1")
def test_changing_two_step_sign_in_needs_a_recent_password(logged_in, clinician):
    with logged_in.session_transaction() as session:
        session[REAUTH_AT] = now() - 11 * 60
    response = logged_in.get("/account/security/")
    assert response.headers["Location"] == "/account/security/confirm?next=/account/security/"
    response = logged_in.post_form("/account/security/two-factor/start")
    assert response.headers["Location"].startswith("/account/security/confirm")
    db.session.refresh(clinician)
    assert clinician.totp_pending_secret is None

    wrong = logged_in.post_form("/account/security/confirm?next=/account/security/", {"password": "not my password"})
    assert wrong.status_code == 200 and b"isn&#39;t your password" in wrong.data
    right = logged_in.post_form("/account/security/confirm?next=/account/security/", {"password": PASSWORD})
    assert right.headers["Location"] == "/account/security/"
    assert logged_in.get("/account/security/").status_code == 200


@pytest.mark.asvs("3.7.1")
def test_the_sign_in_email_changes_only_through_a_link_sent_to_it(logged_in, clinician, outbox):
    old = clinician.email
    response = logged_in.post_form("/account/security/email", {"email": "new.address@example.com"})
    assert response.status_code == 302
    (message,) = outbox
    assert message.to == ["new.address@example.com"]
    db.session.refresh(clinician)
    assert clinician.email == old
    link = link_in(message, "/account/security/email/")
    assert logged_in.get(link).status_code == 302
    db.session.refresh(clinician)
    assert clinician.email == "new.address@example.com"
    assert outbox[1].to == [old] and "new.address@example.com" in outbox[1].body
    again = logged_in.get(link)
    assert again.status_code == 400


def test_an_email_that_has_an_account_gets_nothing_and_the_page_says_the_same(logged_in, outbox):
    taken = make_clinician(email="taken@example.com")
    response = logged_in.post_form("/account/security/email", {"email": taken.email})
    assert response.status_code == 302 and outbox == []


def test_another_clinician_cannot_use_an_email_change_link(app, logged_in, outbox):
    logged_in.post_form("/account/security/email", {"email": "new.address@example.com"})
    link = link_in(outbox[0], "/account/security/email/")
    other = app.test_client()
    login(other, make_clinician())
    assert other.get(link).status_code == 400
