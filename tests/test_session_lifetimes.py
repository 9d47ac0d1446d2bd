"""How long a sign-in lasts: idle and absolute limits, remember-me, and the page warning."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from flask_login.utils import encode_cookie

from practice.auth.lifetimes import SEEN_AT, SEEN_EVERY, SIGNED_IN_AT, now
from practice.extensions import db
from tests.audit_helpers import audit_events
from tests.factories import PASSWORD
from tests.logins import login
from tests.homework_helpers import world  # noqa: F401  (fixture)

MINUTE = 60
DAY = 24 * 3600
# The stored clock may lag real activity by up to SEEN_EVERY, so a session whose clock reads
# `limit + LATE` ago is past its limit whatever happened in that last minute.
LATE = SEEN_EVERY + 1


def rewind(browser, *, seen: int = 0, signed_in: int = 0) -> None:
    """Pretend the last activity, or the sign-in, happened this many seconds ago."""
    with browser.session_transaction() as session:
        session[SEEN_AT] = now() - seen
        session[SIGNED_IN_AT] = now() - max(signed_in, seen)


def partner_browser(app, partner, remember: bool = False):
    browser = app.test_client()
    data = {"email": partner.email, "password": PASSWORD} | ({"remember": "y"} if remember else {})
    assert browser.post_form("/portal/login", data).status_code == 302
    return browser


def flashed(browser) -> str:
    with browser.session_transaction() as session:
        return " ".join(message for _, message in session.get("_flashes", []))


@pytest.mark.asvs("3.3.2")
def test_a_clinician_idle_for_the_practice_timeout_is_signed_out_kindly(logged_in, clinician):
    rewind(logged_in, seen=15 * MINUTE + LATE)
    response = logged_in.get("/couples/?page=2")
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == "/login?next=/couples/?page=2"
    assert "after 15 minutes without activity" in flashed(logged_in)
    assert logged_in.get("/couples/").status_code == 302  # the session is gone, not just this request
    (logout,) = audit_events("logout")
    assert (logout.actor_id, logout.detail) == (clinician.id, {"reason": "timeout_idle"})


@pytest.mark.asvs("3.3.2")
def test_activity_before_the_timeout_keeps_the_clinician_signed_in(logged_in):
    rewind(logged_in, seen=14 * MINUTE)
    assert logged_in.get("/couples/").status_code == 200
    with logged_in.session_transaction() as session:
        assert now() - session[SEEN_AT] <= 2


@pytest.mark.asvs("3.3.2")
def test_the_owner_chooses_the_practice_sign_in_rules(logged_in, clinician):
    profile = {"name": "Riverbend", "timezone": "UTC", "page_size": "a4", "idle_timeout_minutes": "5", "require_two_factor": "y",
               "version": clinician.practice.version}
    assert logged_in.post_form("/practice/", profile).status_code == 302
    db.session.refresh(clinician.practice)
    assert clinician.practice.idle_timeout_minutes == 5 and clinician.practice.require_two_factor
    (change,) = audit_events("change")
    assert (change.record_type, change.detail) == ("Practice", {"field": "sign_in_rules"})
    rewind(logged_in, seen=5 * MINUTE + LATE)
    assert logged_in.get("/account/").status_code == 302
    assert "after 5 minutes" in flashed(logged_in)


def stored_clock(browser) -> int:
    with browser.session_transaction() as session:
        return session[SEEN_AT]


def test_the_activity_clock_is_written_at_most_once_a_minute(logged_in):
    logged_in.get("/couples/")  # the first page stores the form token in the session
    rewind(logged_in, seen=SEEN_EVERY - 10)
    written = stored_clock(logged_in)
    response = logged_in.get("/couples/")
    assert response.status_code == 200 and "twofold_session=" not in response.headers.get("Set-Cookie", "")
    assert stored_clock(logged_in) == written  # fresh enough: the cookie is not re-signed
    rewind(logged_in, seen=SEEN_EVERY)
    assert logged_in.get("/couples/").status_code == 200
    assert now() - stored_clock(logged_in) <= 2


@pytest.mark.asvs("3.3.2")
def test_activity_the_clock_did_not_record_still_counts_so_nobody_is_signed_out_early(logged_in):
    rewind(logged_in, seen=SEEN_EVERY - 10)
    assert logged_in.get("/couples/").status_code == 200  # real activity, 50 s after the stored clock
    written = stored_clock(logged_in)
    # Fifteen minutes less a second after that request: the stored clock reads 15 min 49 s ago.
    rewind(logged_in, seen=now() - written + 15 * MINUTE - 1)
    assert logged_in.get("/couples/").status_code == 200
    rewind(logged_in, seen=15 * MINUTE + LATE)
    assert logged_in.get("/couples/").status_code == 302  # and a minute later at most, it ends


def test_the_idle_timeout_is_one_of_the_offered_choices(logged_in, clinician):
    profile = {"name": "Riverbend", "timezone": "UTC", "idle_timeout_minutes": "100000", "version": clinician.practice.version}
    response = logged_in.post_form("/practice/", profile)
    assert response.status_code == 200 and b"Not a valid choice" in response.data


@pytest.mark.asvs("3.3.1")
def test_a_clinician_session_ends_after_twelve_hours_however_active(logged_in):
    rewind(logged_in, seen=60, signed_in=12 * 3600 + 1)
    assert logged_in.get("/couples/").status_code == 302
    assert "at most 12 hours" in flashed(logged_in)


def test_signing_in_again_returns_to_the_page_and_never_off_site(client, clinician):
    response = client.post_form("/login?next=/couples/new", {"email": clinician.email, "password": PASSWORD})
    assert response.headers["Location"] == "/couples/new"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        browser = client.application.test_client()
        response = browser.post_form(f"/login?next={target}", {"email": clinician.email, "password": PASSWORD})
        assert response.headers["Location"] == "/", target


def test_asking_how_long_is_left_is_not_activity_but_staying_is(logged_in):
    rewind(logged_in, seen=10 * MINUTE)
    status = logged_in.get("/presence/").get_json()
    assert status["signed_in"] and 5 * MINUTE < status["remaining"] <= 5 * MINUTE + SEEN_EVERY
    assert status["renewable"]
    status = logged_in.post("/presence/keep-alive", headers={"X-CSRFToken": logged_in.csrf_token()}).get_json()
    assert 15 * MINUTE < status["remaining"] <= 15 * MINUTE + SEEN_EVERY


def test_keep_alive_needs_the_form_token(logged_in):
    assert logged_in.post("/presence/keep-alive").status_code == 400


def test_the_last_minutes_of_a_twelve_hour_session_cannot_be_extended(logged_in):
    rewind(logged_in, seen=0, signed_in=12 * 3600 - 60)
    status = logged_in.get("/presence/").get_json()
    assert status["remaining"] <= 60 and not status["renewable"]


def test_a_page_script_gets_a_json_answer_once_signed_out(logged_in):
    rewind(logged_in, seen=16 * MINUTE)
    response = logged_in.get("/presence/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["signed_in"] is False and "sign in again" in response.get_json()["message"]


def test_every_signed_in_page_carries_the_timeout_warning_and_its_script(logged_in):
    html = logged_in.get("/couples/").data.decode()
    remaining = int(re.search(r'data-remaining="(\d+)"', html).group(1))
    assert 15 * MINUTE < remaining <= 15 * MINUTE + SEEN_EVERY
    assert 'src="/static/js/session-timeout.js"' in html
    assert "Stay signed in" in html and "Anything you typed is still here" in html
    assert 'href="/login?next=/couples/" target="_blank" rel="noopener"' in html
    script = logged_in.get("/static/js/session-timeout.js")
    assert b"keepalive-url" in script.data
    script.close()


def test_signed_out_pages_carry_no_timeout_warning(client):
    assert b"data-remaining" not in client.get("/login").data


@pytest.mark.asvs("3.3.2")
def test_a_partner_who_was_not_remembered_is_signed_out_after_two_hours_idle(app, world):
    browser = partner_browser(app, world.p1)
    assert browser.get_cookie("twofold_remember") is None
    rewind(browser, seen=2 * 3600 - 60)
    assert browser.get("/portal/").status_code == 200
    rewind(browser, seen=2 * 3600 + LATE)
    response = browser.get("/portal/")
    assert unquote(response.headers["Location"]) == "/portal/login?next=/portal/"
    assert "keep your space private" in flashed(browser)


@pytest.mark.asvs("3.3.2")
def test_a_remembered_partner_stays_signed_in_for_weeks_of_quiet(app, world):
    browser = partner_browser(app, world.p1, remember=True)
    cookie = browser.get_cookie("twofold_remember")
    assert cookie is not None and cookie.http_only
    assert timedelta(days=29) < cookie.expires - datetime.now(UTC) <= timedelta(days=30, minutes=1)
    rewind(browser, seen=29 * DAY)
    assert browser.get("/portal/").status_code == 200
    rewind(browser, seen=30 * DAY + LATE)
    assert browser.get("/portal/").status_code == 302
    assert browser.get_cookie("twofold_remember") is None


def test_a_remember_me_cookie_brings_a_partner_back_after_the_browser_closes(app, world):
    browser = partner_browser(app, world.p1, remember=True)
    browser.delete_cookie("twofold_session")
    assert browser.get("/portal/").status_code == 200
    with browser.session_transaction() as session:
        assert now() - session[SIGNED_IN_AT] <= 2


@pytest.mark.asvs("3.3.3")
def test_a_remember_me_cookie_does_not_outlive_a_new_password(app, world, logged_in_therapist):
    old_device = partner_browser(app, world.p1, remember=True)
    old_device.delete_cookie("twofold_session")  # only the remember-me cookie is left
    response = logged_in_therapist.post_form(f"/couples/{world.couple.id}/partners/1/invite")
    assert response.status_code == 302
    link = re.search(rb"http://localhost(/portal/welcome/[^<\s]+)", logged_in_therapist.get(f"/couples/{world.couple.id}").data).group(1)
    new_password = "a different long passphrase"
    app.test_client().post_form(link.decode(), {"email": world.p1.email, "password": new_password, "confirm": new_password})
    assert old_device.get("/portal/").status_code == 302


@pytest.mark.asvs("3.3.4")
def test_revoking_access_ends_a_remembered_partner_device(app, world, logged_in_therapist):
    device = partner_browser(app, world.p1, remember=True)
    device.delete_cookie("twofold_session")
    logged_in_therapist.post_form(f"/couples/{world.couple.id}/partners/1/revoke")
    assert device.get("/portal/").status_code == 302


@pytest.mark.asvs("3.3.1")
def test_a_clinician_cannot_ride_a_remember_me_cookie_past_the_idle_timeout(app, clinician):
    browser = app.test_client()
    browser.set_cookie("twofold_remember", encode_cookie(clinician.get_id()))
    response = browser.get("/couples/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.asvs("3.3.3")
def test_a_session_copied_before_a_password_change_is_refused_after_it(app, clinician):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, clinician)
    login(phone, clinician)
    new = "a quiet walk by the river"
    laptop.post_form("/account/password", {"pw-current_password": PASSWORD, "pw-password": new, "pw-confirm": new})
    assert phone.get("/couples/").status_code == 302
    assert laptop.get("/couples/").status_code == 200


@pytest.fixture()
def logged_in_therapist(app, world):
    browser = app.test_client()
    login(browser, world.clinician)
    return browser
