"""What a password may be: long, any script, and not one of the most common."""

from __future__ import annotations

import pytest
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from practice.platform.passwords import MAX_LENGTH, password_problem
from tests.factories import PASSWORD
from tests.logins import login
from tests.test_auth_flows import signup_data

MOST_COMMON = FREQUENCY_LISTS["passwords"][:3000]


@pytest.mark.asvs("2.1.7")
def test_the_3000_most_common_passwords_are_all_refused():
    assert len(MOST_COMMON) == 3000
    assert all(password_problem(p) is not None for p in MOST_COMMON)
    long_enough = [p for p in MOST_COMMON if len(p) >= 12]
    assert long_enough  # so the list itself is tested, not only the minimum length
    for password in long_enough:
        assert "too easy to guess" in password_problem(password)
        assert "too easy to guess" in password_problem(password.upper())


@pytest.mark.asvs("2.1.7")
def test_a_common_password_is_refused_at_sign_up_with_a_reason(client):
    response = client.post_form("/signup", signup_data(password="qwerty123456", confirm="qwerty123456"))
    assert response.status_code == 200 and b"too easy to guess" in response.data


@pytest.mark.asvs("2.1.2")
@pytest.mark.parametrize("length", [64, MAX_LENGTH])
def test_long_passphrases_work_for_changing_and_signing_in(app, logged_in, clinician, length):
    passphrase = ("the long way home over the hill " * 5)[:length]
    assert len(passphrase) == length >= 64
    response = logged_in.post_form("/account/password", {
        "pw-current_password": PASSWORD, "pw-password": passphrase, "pw-confirm": passphrase,
    })
    assert response.status_code == 302
    login(app.test_client(), clinician, passphrase)


@pytest.mark.asvs("2.1.4")
def test_any_script_and_emoji_are_welcome_in_a_password(app, logged_in, clinician):
    passphrase = "Ünsere Küche — 我们的厨房 🌿 наша кухня"
    logged_in.post_form("/account/password", {"pw-current_password": PASSWORD, "pw-password": passphrase, "pw-confirm": passphrase})
    login(app.test_client(), clinician, passphrase)


@pytest.mark.asvs("2.1.1")
def test_a_password_shorter_than_twelve_characters_is_refused():
    assert "at least 12" in password_problem("river walk!")  # 11 characters
    assert password_problem("river walks!") is None  # 12
