"""Links, addresses and limits that cannot be spoofed (issue 13, section 4).

- every link in every email comes from PUBLIC_URL, never from the Host header;
- a Host that is not ours gets the styled 400;
- behind a proxy, limits and the audit trail see the client; a forged
  X-Forwarded-For without a trusted proxy is ignored;
- password reset and partner sign-in do the same work, and answer the same,
  whether or not the email has an account;
- live link tokens are never readable in the queue, the database or the cookie.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import template_rendered
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, select, text

from config import DevelopmentConfig, ProductionConfig, TestConfig
from practice import create_app
from practice.extensions import db, queue
from practice.models import AuditAction, AuditEvent, OutgoingEmail, PartnerInvitation
from practice.portal.access import MAX_PARTNERS_PER_EMAIL
from practice.rules.tokens import new_token
from tests.checkin_helpers import raise_flag
from tests.client import FormClient
from tests.factories import PASSWORD, make_clinician, make_couple, utcnow_plus_days
from tests.homework_helpers import clinician_login, give_access, give_homework, world  # noqa: F401
from tests.logins import login
from tests.session_helpers import signed_session

ROOT = Path(__file__).resolve().parent.parent
EMAIL_TEMPLATES = ROOT / "templates" / "email"
REAL = "https://twofold.example.org"
HOSTILE = {"Host": "evil.example"}
LINK = re.compile(r"""https?://[^\s"'<>)]+""")


class HostileClient(FormClient):
    """A browser that names evil.example as the Host (its cookies are that host's, as a browser's would be)."""

    BASE = "http://evil.example"

    def open(self, *args, **kwargs):
        if not (args and not isinstance(args[0], str)):
            kwargs.setdefault("base_url", self.BASE)
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        with self.session_transaction(base_url=self.BASE) as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


def hostile(app, person=None) -> HostileClient:
    browser = HostileClient(app, app.response_class, use_cookies=True)
    if person is not None:
        login(browser, person)
    return browser


def links_in(message) -> list[str]:
    html = "".join(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return LINK.findall(message.body) + LINK.findall(html)


def whole(message) -> str:
    return message.subject + message.body + "".join(content for content, _ in message.alternatives)


@pytest.fixture()
def public_url(app, monkeypatch):
    """PUBLIC_URL is a real-looking address, and the Host list wrongly trusts evil.example too,
    so the link builder is tested on its own."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", REAL)
    monkeypatch.setitem(app.config, "SERVED_HOSTS", ["localhost", "evil.example"])
    return REAL


@pytest.fixture()
def rendered(app) -> list[str]:
    """Names of the templates rendered during the test."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


@pytest.fixture()
def queued(app, tmp_path, monkeypatch):
    """Jobs wait on a SQLite queue file, as with a worker, instead of running in the request."""
    path = tmp_path / "jobs.db"
    bound = app.extensions["twofold_queue"]
    bound.huey = None
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"sqlite:///{path}")
    yield path
    bound.huey = None


def run_queued_jobs(app) -> int:
    """Do what the worker does with every waiting job; return how many ran."""
    db.session.rollback()  # the worker's own session must get SQLite's write lock
    huey = queue.huey(app)
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


# Emailed links come from PUBLIC_URL -------------------------------------------


def test_a_reset_asked_for_with_a_hostile_host_emails_a_link_to_the_real_host_only(app, client, clinician, outbox, public_url):
    response = hostile(app).post_form("/password/reset", {"email": clinician.email})
    assert response.status_code == 200
    (message,) = outbox
    links = links_in(message)
    assert links and all(link.startswith(f"{REAL}/password/reset/") for link in links), links
    assert "evil.example" not in whole(message)
    path = links[0].removeprefix(REAL)
    assert client.get(path).status_code == 200  # and it is a working link


def test_every_email_links_only_to_public_url_whatever_host_the_request_named(
        app, client, runner, world, outbox, public_url, rendered):
    """Every template in templates/email is sent here under a hostile Host; a new one must join in."""
    therapist = hostile(app, world.clinician)
    anonymous = hostile(app)
    make_clinician(email="taken@example.com")
    signup = {"name": "Robin", "credentials": "", "practice_name": "North", "password": "a long enough password",
              "confirm": "a long enough password"}
    anonymous.post_form("/signup", signup | {"email": "new.person@example.com"})
    anonymous.post_form("/signup", signup | {"email": "taken@example.com"})
    anonymous.post_form("/password/reset", {"email": world.clinician.email})
    therapist.post_form("/practice/team/invitations", {"email": "colleague@example.com"})
    therapist.post_form(f"/couples/{world.couple.id}/partners/1/invite")
    therapist.post_form("/account/security/email", {"email": "moved@example.com"})
    change = next(m for m in outbox if m.to == ["moved@example.com"])
    assert therapist.get(links_in(change)[0].removeprefix(REAL)).status_code == 302
    give_homework(world, due_in=1)
    raise_flag(world.p2)  # a safety notice, sent at once and again on escalation
    assert runner.invoke(args=["send-reminders"]).exit_code == 0
    session = signed_session(world, release=True)
    assert therapist.post_form(f"/sessions/{session.id}/corrected", {"reason": "A date was wrong"}).status_code == 302

    expected = {f"email/{path.name}" for path in EMAIL_TEMPLATES.iterdir() if not path.name.startswith("_")}
    assert expected <= set(rendered), sorted(expected - set(rendered))
    assert len(outbox) >= 8
    for message in outbox:
        assert "evil.example" not in whole(message), message.subject
        assert all(link.startswith(f"{REAL}/") for link in links_in(message)), (message.subject, links_in(message))


def test_no_code_builds_a_link_from_the_request_host():
    """The one place that builds absolute links is practice/platform/urls.py."""
    pattern = re.compile(r"_external\s*=\s*True|request\.(host|url_root|host_url|base_url)\b")
    offenders = []
    for path in (ROOT / "practice").rglob("*.py"):
        if path.name != "urls.py":
            offenders += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
                          if pattern.search(line)]
    for path in (ROOT / "templates").rglob("*.html"):
        offenders += [str(path.relative_to(ROOT)) for line in path.read_text().splitlines() if "_external" in line]
    assert offenders == []


def test_production_refuses_to_start_without_public_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("TWOFOLD_DATA_KEYS", TestConfig.DATA_KEYS[0])
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL must be set in production"):
        create_app(ProductionConfig)
    for bad in ("twofold.example.org", "ftp://twofold.example.org", "https://twofold.example.org/?next=x"):
        monkeypatch.setenv("PUBLIC_URL", bad)
        with pytest.raises(RuntimeError, match="PUBLIC_URL must be the address"):
            create_app(ProductionConfig)


def test_development_needs_no_settings_and_serves_on_loopback_by_either_name():
    app = create_app(type("Dev", (DevelopmentConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert set(app.config["SERVED_HOSTS"]) == {"127.0.0.1", "localhost"}


# Host header -------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "evil.example:80"])
def test_a_request_naming_a_host_that_is_not_ours_gets_the_styled_400(app, clinician, outbox, host):
    client = app.test_client()
    client.csrf_token()  # a real session, so only the Host is wrong
    response = client.post_form("/password/reset", {"email": clinician.email}, headers={"Host": host})
    assert response.status_code == 400
    assert b"didn&#39;t look right" in response.data and b"<html" in response.data
    assert b"evil.example" not in response.data
    assert outbox == [] and db.session.scalar(select(OutgoingEmail.id)) is None
    assert client.get("/healthz", headers={"Host": host}).status_code == 400


def test_public_url_host_and_the_trusted_hosts_list_are_served(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SERVED_HOSTS", ["twofold.example.org", "internal.example"])
    for host in ("twofold.example.org", "twofold.example.org:8443", "Twofold.Example.ORG", "internal.example"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400


def test_trusted_hosts_come_from_public_url_and_the_environment_list(app):
    config = type("Deployed", (TestConfig,), {
        "PUBLIC_URL": "https://Twofold.Example.org:8443/app", "EXTRA_TRUSTED_HOSTS": ["10.0.0.5"],
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SQLALCHEMY_ENGINE_OPTIONS": app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    })
    deployed = create_app(config)
    assert deployed.config["SERVED_HOSTS"] == ["twofold.example.org", "10.0.0.5"]
    with deployed.app_context():
        from practice.platform.urls import public_url_for

        assert public_url_for("auth.login") == "https://twofold.example.org:8443/app/login"
        assert public_url_for("portal.home", _anchor="due") == "https://twofold.example.org:8443/app/portal/#due"
        db.engine.dispose()


# Behind a proxy ----------------------------------------------------------------


def failed_sign_ins(client, times: int, forwarded_for, start: int = 0) -> list[int]:
    """Failed sign-ins from the proxy's socket address, each for its own email (so only the address counts)."""
    return [
        client.post_form("/login", {"email": f"nobody{start + n}@example.com", "password": "wrong password!"},
                         environ_base={"REMOTE_ADDR": "10.0.0.2"},
                         headers={"X-Forwarded-For": forwarded_for(n), "X-Forwarded-Proto": "https",
                                  "Referer": "https://localhost/login"}).status_code
        for n in range(times)
    ]


def audited_addresses() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(
        select(AuditEvent.remote_addr).where(AuditEvent.action == AuditAction.LOGIN_FAILED.value).order_by(AuditEvent.id)
    ))


def test_two_clients_behind_one_trusted_proxy_are_limited_separately(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    first = failed_sign_ins(client, 11, lambda n: "203.0.113.7")
    second = failed_sign_ins(client, 3, lambda n: "198.51.100.9", start=100)
    assert first == [200] * 10 + [429]
    assert second == [200] * 3  # the other person behind the same proxy is not locked out
    assert set(audited_addresses()) == {"203.0.113.7", "198.51.100.9"}  # the trail names people, not the proxy


def test_only_the_entry_the_trusted_proxy_added_is_believed(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    codes = failed_sign_ins(client, 11, lambda n: f"192.0.2.{n}, 203.0.113.7")  # the client made up the first
    assert codes == [200] * 10 + [429]
    assert set(audited_addresses()) == {"203.0.113.7"}


def test_a_forged_x_forwarded_for_without_a_trusted_proxy_is_ignored(app, client):
    assert app.config["TRUSTED_PROXIES"] == 0
    codes = failed_sign_ins(client, 11, lambda n: f"192.0.2.{n}")  # a new made-up address every time
    assert codes == [200] * 10 + [429]
    assert set(audited_addresses()) == {"10.0.0.2"}


# Account enumeration -------------------------------------------------------------


@pytest.fixture()
def statements(app) -> list[str]:
    """Every SQL statement sent, in order."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield sent
    event.remove(db.engine, "before_cursor_execute", record)



def reset_page(client, email: str) -> tuple[int, bytes]:
    response = client.post_form("/password/reset", {"email": email})
    return response.status_code, response.data.replace(email.encode(), b"EMAIL")


def test_password_reset_answers_and_works_the_same_whether_or_not_the_email_has_an_account(
        app, client, outbox, queued, statements, verifications, monkeypatch):
    known = make_clinician(email="known@example.com")
    make_clinician(email="gone@example.com", active=False)

    def refuse(*_args):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("flask_mailman.EmailMultiAlternatives.send", refuse)  # SMTP is down: nobody can tell
    pages, work = {}, {}
    for email in ("nobody@example.com", known.email, "gone@example.com"):
        statements.clear()
        verifications.clear()
        pages[email] = reset_page(client, email)
        work[email] = ([s.split()[0] + (" " + s.split()[2] if s.startswith("INSERT") else "") for s in statements],
                       len(verifications))
    assert len(set(pages.values())) == 1 and pages[known.email][0] == 200
    assert len({repr(w) for w in work.values()}) == 1, work
    assert outbox == []

    monkeypatch.undo()  # the mail server is back; the worker runs
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"sqlite:///{queued}")
    assert run_queued_jobs(app) == 3
    assert [m.to for m in outbox] == [[known.email]]
    db.session.rollback()
    assert db.session.scalar(select(OutgoingEmail.id).where(OutgoingEmail.sent_at.is_(None))) is None  # no trace kept


def partner_sign_in_work(client, verifications, email: str, password: str) -> tuple[int, bytes, int]:
    verifications.clear()
    response = client.post_form("/portal/login", {"email": email, "password": password})
    page = re.sub(rb'name="csrf_token" type="hidden" value="[^"]+"', b"", response.data.replace(email.encode(), b"EMAIL"))
    return response.status_code, page, len(verifications)


def test_partner_sign_in_checks_the_same_number_of_hashes_for_every_email(app, world, verifications):
    world.p2.email = world.p1.email  # a couple sharing one inbox, each with their own password
    world.p2.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("sams own password 42")
    db.session.commit()
    shared = world.p1.email
    failures = {
        email: partner_sign_in_work(app.test_client(), verifications, email, "not the password at all")
        for email in ("nobody@example.com", "robin@example.com", shared)
    }
    assert {work for _status, _page, work in failures.values()} == {MAX_PARTNERS_PER_EMAIL}
    assert len({(status, page) for status, page, _work in failures.values()}) == 1
    for password in (PASSWORD, "sams own password 42"):  # whichever of the two signs in
        status, _page, work = partner_sign_in_work(app.test_client(), verifications, shared, password)
        assert status == 302 and work == MAX_PARTNERS_PER_EMAIL


def test_no_more_partners_share_an_email_than_sign_in_checks(app, client, world):
    for n in range(MAX_PARTNERS_PER_EMAIL - 1):
        couple = make_couple(world.clinician, (f"A{n}", f"B{n}"))
        give_access(couple.partner(1), "shared@example.com")
    world.p1.email = "shared@example.com"
    db.session.commit()
    token, token_hash = new_token()
    db.session.add(PartnerInvitation(partner=world.p2, created_by_id=world.clinician.id, token_hash=token_hash,
                                     expires_at=utcnow_plus_days(7)))
    db.session.commit()
    response = client.post_form(f"/portal/welcome/{token}", {
        "email": "shared@example.com", "password": "a brand new password", "confirm": "a brand new password"})
    assert response.status_code == 200 and b"Please use another email address" in response.data


# Live link tokens are never stored readable --------------------------------------


def readable_everywhere(app, queue_file: Path) -> bytes:
    """Every byte the queue holds, and every value in the outbox and invitation tables as stored."""
    with sqlite3.connect(queue_file) as connection:
        raw = b"".join(bytes(row[0]) if isinstance(row[0], (bytes, memoryview)) else str(row[0]).encode()
                       for table in ("task",) for row in connection.execute(f"SELECT data FROM {table}"))
    db.session.rollback()
    rows = db.session.execute(text("SELECT recipient, subject, body_text, body_html FROM outgoing_emails")).all()
    rows += db.session.execute(text("SELECT token_to_show, '', '', '' FROM partner_invitations")).all()
    return raw + repr(rows).encode()


def test_queued_email_carries_only_an_id_and_the_outbox_is_sealed(app, client, world, outbox, queued):
    therapist = clinician_login(app, world.clinician)
    client.post_form("/password/reset", {"email": world.clinician.email})
    therapist.post_form("/practice/team/invitations", {"email": "colleague@example.com"})
    therapist.post_form(f"/couples/{world.couple.id}/partners/1/invite")
    huey = queue.huey(app)
    payloads = [task.args for task in huey.pending()]
    assert len(payloads) == 3 and all(len(args) == 1 and isinstance(args[0], int) for args in payloads), payloads
    stored = readable_everywhere(app, queued)

    assert run_queued_jobs(app) == 3
    links = [link for message in outbox for link in links_in(message)]
    tokens = {link.rstrip("/").rsplit("/", 1)[1] for link in links}
    assert len(tokens) == 3
    for token in tokens:
        assert token.encode() not in stored
        assert token.encode() not in readable_everywhere(app, queued)
    for needle in (b"colleague@example.com", b"alex@example.com", b"Reset your Twofold password"):
        assert needle not in stored
    db.session.rollback()
    assert set(db.session.scalars(select(OutgoingEmail.body_text))) == {None}  # erased once sent


def session_cookie(app, client) -> str:
    value = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return repr(app.session_interface.get_signing_serializer(app).loads(value))


def test_a_partners_new_link_stays_out_of_the_cookie_and_is_shown_once(app, world, outbox):
    therapist = clinician_login(app, world.clinician)
    response = therapist.post_form(f"/couples/{world.couple.id}/partners/1/invite")
    assert response.status_code == 302
    (message,) = outbox
    token = links_in(message)[0].rsplit("/", 1)[1]
    assert token not in session_cookie(app, therapist)
    db.session.rollback()
    sealed = db.session.execute(text("SELECT token_to_show FROM partner_invitations")).scalar_one()
    assert sealed and token not in sealed

    page = therapist.get(response.headers["Location"]).data.decode()
    assert f"http://localhost/portal/welcome/{token}" in page
    assert token not in session_cookie(app, therapist)
    assert token not in therapist.get(f"/couples/{world.couple.id}").data.decode()  # shown once
    db.session.rollback()
    assert db.session.execute(text("SELECT token_to_show FROM partner_invitations")).scalar_one() is None
    assert app.test_client().get(f"/portal/welcome/{token}").status_code == 200  # and the link still works


def test_the_couple_page_that_shows_a_new_link_reads_no_session_notes(app, world, statements):
    """Showing the link once is a write, which expires what was loaded before it: the session list comes after."""
    signed_session(world)
    signed_session(world)
    therapist = clinician_login(app, world.clinician)
    response = therapist.post_form(f"/couples/{world.couple.id}/partners/1/invite")
    statements.clear()
    page = therapist.get(response.headers["Location"]).data.decode()
    assert "/portal/welcome/" in page and "Session 2" in page
    assert [sql for sql in statements if "couple_summary" in sql] == []  # the notes are neither loaded nor decrypted


def test_sign_up_answers_and_works_the_same_whether_or_not_the_email_has_an_account(
        app, client, outbox, queued, statements):
    make_clinician(email="taken@example.com")
    signup = {"name": "Robin", "credentials": "", "practice_name": "North", "password": "a long enough password",
              "confirm": "a long enough password"}
    pages, work = {}, {}
    for email in ("new.person@example.com", "taken@example.com"):
        statements.clear()
        response = client.post_form("/signup", signup | {"email": email})
        pages[email] = (response.status_code, response.data.replace(email.encode(), b"EMAIL"))
        work[email] = [s.split()[0] + (" " + s.split()[2] if s.startswith("INSERT") else "") for s in statements]
    assert len(set(pages.values())) == 1 and pages["taken@example.com"][0] == 200
    assert work["new.person@example.com"] == work["taken@example.com"], work
    assert outbox == []

    assert run_queued_jobs(app) == 2
    subjects = {m.to[0]: m.subject for m in outbox}
    assert subjects == {"new.person@example.com": "Confirm your email to finish signing up",
                        "taken@example.com": "You already have a Twofold account"}
    confirm = next(link for link in links_in(outbox[0]) + links_in(outbox[1]) if "/signup/confirm/" in link)
    assert client.get(confirm.removeprefix("http://localhost")).status_code == 302  # the worker's link works
