"""Sign-up, sign-in, sign-out and password reset, end to end through the forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from practice.extensions import db
from practice.models import Clinician, PasswordResetToken, Practice, utcnow
from tests.factories import PASSWORD, make_clinician
from tests.logins import login

NEW_PASSWORD = "a quiet walk by the river"


def link_in(message, path: str) -> str:
    """The first link in an email's text whose path starts with `path`."""
    match = re.search(rf"http://localhost({re.escape(path)}[^\s]+)", message.body)
    assert match, message.body
    return match.group(1)


def signup_data(**overrides) -> dict:
    return {
        "name": "Dana Whitfield", "credentials": "LMFT", "practice_name": "Harbor Light Counseling",
        "email": "dana@example.com", "password": PASSWORD, "confirm": PASSWORD, **overrides,
    }


def test_signup_confirms_email_then_creates_practice_with_owner(client, outbox):
    response = client.post_form("/signup", signup_data())
    assert b"Check your email" in response.data
    assert db.session.scalar(select(func.count(Clinician.id))) == 0

    confirm = link_in(outbox[0], "/signup/confirm/")
    response = client.get(confirm)
    assert response.status_code == 302
    clinician = db.session.scalar(select(Clinician).where(Clinician.email == "dana@example.com"))
    assert clinician.is_owner and clinician.credentials == "LMFT"
    assert clinician.practice.name == "Harbor Light Counseling"
    assert client.get("/couples/").status_code == 200

    client.post_form("/logout")
    again = client.get(confirm)
    assert again.status_code == 400 and b"This link can" in again.data


def test_signup_with_a_taken_email_looks_the_same_and_tells_the_owner_by_mail(client, outbox):
    make_clinician(email="taken@example.com")
    response = client.post_form("/signup", signup_data(email="taken@example.com"))
    assert b"Check your email" in response.data
    assert b"already" not in response.data
    assert outbox[0].subject == "You already have a Twofold account"
    assert db.session.scalar(select(func.count(Practice.id))) == 1


@pytest.mark.asvs("3.3.1")
def test_login_and_logout(client, clinician):
    response = login(client, clinician)
    assert response.headers["Location"] == "/"
    assert client.get("/couples/").status_code == 200
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert client.get("/couples/").status_code == 302


@pytest.mark.asvs("2.2.1")
@pytest.mark.parametrize("email, password", [("clinician@example.com", "wrong password!!"), ("nobody@example.com", PASSWORD)])
def test_wrong_credentials_get_one_message_that_reveals_nothing(client, email, password):
    make_clinician(email="clinician@example.com")
    response = client.post_form("/login", {"email": email, "password": password})
    assert response.status_code == 200
    assert b"don&#39;t match an account" in response.data
    assert email.encode() in response.data  # the typed email is kept


@pytest.mark.asvs("3.3.1")
def test_a_cookie_copied_before_logout_is_refused_afterwards(app, clinician):
    browser = app.test_client()
    login(browser, clinician)
    stolen = browser.get_cookie("twofold_session").value
    browser.post_form("/logout")

    thief = app.test_client()
    thief.set_cookie("twofold_session", stolen)
    assert thief.get("/couples/").status_code == 302


def test_clinicians_get_no_remember_me_cookie_that_would_outlast_the_idle_timeout(client, clinician):
    client.post_form("/login", {"email": clinician.email, "password": PASSWORD, "remember": "y"})
    assert client.get("/couples/").status_code == 200
    assert client.get_cookie("twofold_remember") is None


def test_password_reset_end_to_end(client, clinician, outbox):
    response = client.post_form("/password/reset", {"email": clinician.email})
    assert b"If <strong>" in response.data
    reset = link_in(outbox[0], "/password/reset/")

    response = client.post_form(reset, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    client.post_form("/logout")
    assert client.post_form("/login", {"email": clinician.email, "password": PASSWORD}).status_code == 200
    login(client, clinician, NEW_PASSWORD)

    used = client.get(reset)
    assert used.status_code == 400 and b"already been used" in used.data


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, outbox):
    response = client.post_form("/password/reset", {"email": "nobody@example.com"})
    assert b"If <strong>nobody@example.com</strong> belongs" in response.data
    assert outbox == []


@pytest.mark.asvs("2.5.1")
def test_expired_reset_link_is_refused(client, clinician, outbox):
    client.post_form("/password/reset", {"email": clinician.email})
    reset = link_in(outbox[0], "/password/reset/")
    token = db.session.scalar(select(PasswordResetToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post_form(reset, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and b"expired" in response.data


@pytest.mark.parametrize("token", ["x", "not a token at all", "A" * 43, "%00%00"])
def test_malformed_reset_links_get_a_clear_page(client, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400
    assert b"This link can" in response.data


@pytest.mark.asvs("3.3.3")
def test_reset_signs_out_other_sessions(app, clinician, outbox):
    other_device = app.test_client()
    login(other_device, clinician)
    client = app.test_client()
    client.post_form("/password/reset", {"email": clinician.email})
    client.post_form(link_in(outbox[0], "/password/reset/"), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other_device.get("/couples/").status_code == 302
    assert client.get("/couples/").status_code == 200


@pytest.mark.asvs("2.1.6")
def test_change_password_needs_the_current_one(logged_in, clinician):
    response = logged_in.post_form("/account/password", {
        "pw-current_password": "not my password", "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD,
    })
    assert b"That isn&#39;t your current password." in response.data
    response = logged_in.post_form("/account/password", {
        "pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert logged_in.get("/couples/").status_code == 200  # this session continues


def test_account_details_can_be_changed(logged_in, clinician):
    response = logged_in.post_form("/account/", {"name": "Dr. New Name", "credentials": "PsyD", "submit": "Save"})
    assert response.status_code == 302
    db.session.refresh(clinician)
    assert clinician.display_name == "Dr. New Name, PsyD"


@pytest.mark.parametrize("password, message", [
    ("short", b"at least 12 characters"),
    ("123qweasdzxc", b"too easy to guess"),
    ("aaaaaaaaaaaaaaaa", b"too easy to guess"),
    ("x" * 129, b"at most 128 characters"),
])
def test_weak_passwords_are_refused_with_a_reason(client, password, message):
    response = client.post_form("/signup", signup_data(password=password, confirm=password))
    assert response.status_code == 200
    assert message in response.data
    assert b"Dana Whitfield" in response.data


@pytest.mark.asvs("2.2.1")
def test_login_is_rate_limited_per_account(app, clinician):
    app.config["RATELIMIT_ENABLED"] = True
    client = app.test_client()
    codes = [client.post_form("/login", {"email": clinician.email, "password": "wrong password!!"}).status_code
             for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    page = client.post_form("/login", {"email": clinician.email, "password": PASSWORD})
    assert page.status_code == 429 and b"slow down" in page.data


def test_signed_in_clinician_visiting_login_goes_home(logged_in):
    assert logged_in.get("/login").status_code == 302


def test_deactivated_clinician_cannot_sign_in(client):
    clinician = make_clinician(active=False)
    response = client.post_form("/login", {"email": clinician.email, "password": PASSWORD})
    assert response.status_code == 200 and b"don&#39;t match" in response.data


@pytest.mark.asvs("2.4.1")
def test_passwords_are_argon2id_hashes(clinician):
    assert clinician.password_hash.startswith("$argon2id$")


def test_file_mail_backend_writes_messages_to_disk(app, tmp_path):
    from config import TestConfig
    from practice import create_app
    from practice.platform.mail import send_templated

    database = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS")}
    app = create_app(type("FileMail", (TestConfig,), {"MAIL_BACKEND": "file", "MAIL_FILE_PATH": str(tmp_path), **database}))
    with app.app_context():
        send_templated("someone@example.com", "Reset your Twofold password", "password_reset",
                       name="Someone", hours=1, reset_url="http://localhost/password/reset/abc")
        db.session.remove()
        db.engine.dispose()  # this second app's connections, closed now rather than by the garbage collector
    written = "".join(path.read_text() for path in tmp_path.iterdir())
    assert "Reset your Twofold password" in written and "/password/reset/abc" in written
    assert "text/html" in written  # the HTML alternative travels with the plain text
