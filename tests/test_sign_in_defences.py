"""Brute force and enumeration: rate limits on every door, shared through Redis, and equal work per failure."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from practice.extensions import db
from practice.models import ClinicianInvitation
from practice.portal.access import MAX_PARTNERS_PER_EMAIL
from practice.rules.tokens import new_token
from tests.factories import PASSWORD, make_clinician, utcnow_plus_days
from tests.homework_helpers import world  # noqa: F401  (fixture)

REDIS_URL = "redis://127.0.0.1:6379"
INSTANCE = Path(__file__).with_name("ratelimit_instance.py")


def statuses(client, url: str, data: dict, times: int = 11) -> list[int]:
    return [client.post_form(url, data).status_code for _ in range(times)]


@pytest.mark.asvs("2.2.1")
def test_partner_sign_in_is_rate_limited(client, world):
    codes = statuses(client, "/portal/login", {"email": world.p1.email, "password": "not the password"})
    assert codes[:10] == [200] * 10 and codes[10] == 429


@pytest.mark.asvs("2.2.1")
def test_accepting_a_clinician_invitation_is_rate_limited(client, clinician):
    token, token_hash = new_token()
    db.session.add(ClinicianInvitation(practice_id=clinician.practice_id, invited_by_id=clinician.id,
                                       email="new@example.com", token_hash=token_hash, expires_at=utcnow_plus_days(7)))
    db.session.commit()
    codes = statuses(client, f"/join/{token}", {"name": "Jo", "password": "short", "confirm": "short"})
    assert codes[:10] == [200] * 10 and codes[10] == 429


@pytest.mark.asvs("2.2.1")
def test_guessing_partner_invitation_links_is_rate_limited(client):
    codes = statuses(client, f"/portal/welcome/{'A' * 43}", {"email": "a@example.com"})
    assert codes[:10] == [400] * 10 and codes[10] == 429


@pytest.mark.asvs("2.2.1")
def test_password_reset_requests_are_rate_limited_per_account_across_addresses(client, clinician, outbox):
    codes = [client.post_form("/password/reset", {"email": clinician.email},
                              environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code for n in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    assert len(outbox) == 10


@pytest.fixture()
def redis_prefix():
    """A key prefix of our own on the local Redis, removed afterwards; skips without Redis."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis answers at {REDIS_URL}, so the shared-store path can't be shown here")
    prefix = f"twofold-test-{uuid.uuid4().hex}"
    yield prefix
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)
    connection.close()


@pytest.mark.slow  # starts two app processes
@pytest.mark.asvs("2.2.1")
def test_with_redis_two_app_processes_share_one_count(redis_prefix):
    """Ten failed sign-ins a minute in all: six on one process leave four for the other."""
    command = [sys.executable, str(INSTANCE), REDIS_URL, redis_prefix]
    with contextlib.ExitStack() as stack:
        first, second = (stack.enter_context(subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=INSTANCE.parent.parent,
        )) for _ in range(2))
        assert sign_in_badly(first, 6) == ["200"] * 6
        assert sign_in_badly(second, 5) == ["200"] * 4 + ["429"]
        for process in (first, second):
            process.stdin.close()


def sign_in_badly(process: subprocess.Popen, times: int) -> list[str]:
    process.stdin.write(f"{times}\n")
    process.stdin.flush()
    return process.stdout.readline().split()



@pytest.mark.asvs("2.2.1")
def test_clinician_sign_in_does_the_same_hashing_work_for_unknown_emails(client, verifications):
    make_clinician(email="known@example.com")
    make_clinician(email="gone@example.com", active=False)
    work = {}
    for email, password in [("nobody@example.com", PASSWORD), ("known@example.com", "a wrong password!"),
                            ("gone@example.com", PASSWORD)]:
        verifications.clear()
        response = client.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 200 and b"don&#39;t match an account" in response.data
        work[email] = len(verifications)
    assert set(work.values()) == {1}, work


@pytest.mark.asvs("2.2.1")
def test_partner_sign_in_does_the_same_hashing_work_for_unknown_emails(client, world, verifications):
    work = {}
    for email in ("nobody@example.com", world.p1.email):
        verifications.clear()
        response = client.post_form("/portal/login", {"email": email, "password": "not the password at all"})
        assert response.status_code == 200
        work[email] = len(verifications)
    assert set(work.values()) == {MAX_PARTNERS_PER_EMAIL}, work  # padded to a fixed count: see test_links
