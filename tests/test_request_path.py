"""The request path's shortcuts keep their promises: nothing remembered leaks, nothing stale lets anyone in."""

from __future__ import annotations

import re

from flask import render_template_string, request
from sqlalchemy import update

from practice.auth import form_tokens
from practice.auth.loader import load_user
from practice.extensions import db
from practice.models import Clinician
from practice.web.page_links import ENVIRON_KEY
from tests.factories import make_clinician
from tests.logins import login

LINKS = "{{ url_for('couples.caseload') }} {{ url_for('couples.caseload') }} {{ url_for('couples.caseload', page=2) }}"


def test_a_link_asked_for_twice_in_a_request_is_built_once_and_kept_only_by_that_request(app):
    with app.test_request_context("/"):
        first = render_template_string(LINKS)
        assert first == "/couples/ /couples/ /couples/?page=2"
        memo = request.environ[ENVIRON_KEY]
        assert len(memo) == 2  # the repeated link is one entry; other arguments are another
        memo[next(key for key in memo if key[1] == frozenset())] = "/remembered"
        assert render_template_string(LINKS).startswith("/remembered /remembered ")  # answered from the memo
    with app.test_request_context("/"):
        assert render_template_string(LINKS) == first  # a new request starts with nothing remembered


def test_links_follow_each_request_where_the_app_is_mounted(app):
    with app.test_request_context("/", base_url="http://localhost/one/"):
        assert render_template_string("{{ url_for('couples.caseload') }}") == "/one/couples/"
    with app.test_request_context("/", base_url="http://localhost/two/"):
        assert render_template_string("{{ url_for('couples.caseload') }}") == "/two/couples/"


def test_arguments_that_cannot_be_remembered_are_still_built(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ url_for('couples.caseload', q=['a', 'b']) }}") == "/couples/?q=a&amp;q=b"


def test_the_user_loader_checks_the_token_in_the_database_on_every_request(app, clinician):
    user_id = clinician.get_id()
    with app.test_request_context("/"):
        assert load_user(user_id).id == clinician.id
    # Another instance signs this person out everywhere: only the database knows.
    with db.engine.begin() as connection:
        connection.execute(update(Clinician).where(Clinician.id == clinician.id).values(session_token="0" * 32))
    db.session.rollback()  # a request starts its own transaction, seeing what is committed now
    with app.test_request_context("/"):
        assert load_user(user_id) is None
        assert load_user(f"clinician:{clinician.id}:{'0' * 32}").id == clinician.id
        assert load_user(f"partner:{clinician.id}:{'0' * 32}") is None  # the kind is part of the id
        assert load_user(f"nobody:{clinician.id}:{'0' * 32}") is None
        assert load_user(f"clinician:{clinician.id}:") is None


def page_token(client) -> str:
    """The sign-out form's token in the layout of a page whose view builds no form.

    (A view that builds a form signs through Flask-WTF first; the layout then reuses that.)"""
    html = client.get("/dashboard").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def session_secret(client) -> str:
    with client.session_transaction() as session:
        return session["csrf_token"]


def test_a_session_gets_its_own_signed_form_token_again_within_a_minute_and_it_still_posts(app, client, clinician):
    login(client, clinician)
    token = page_token(client)
    assert (token, form_tokens._signed[(client.application.secret_key, session_secret(client))][0]) == (token, token)
    assert page_token(client) == token
    other = app.test_client()
    login(other, make_clinician(email="other@example.org"))
    assert page_token(other) != token  # never another session's
    response = client.post("/presence/keep-alive", headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_the_form_token_is_signed_afresh_after_a_minute(client, clinician, monkeypatch):
    login(client, clinician)
    token = page_token(client)
    (kept,) = [entry for entry in form_tokens._signed.values() if entry[0] == token]
    later = kept[1] + form_tokens.REUSE_SECONDS
    monkeypatch.setattr(form_tokens, "monotonic", lambda: later)
    fresh = page_token(client)
    assert (fresh, later) in form_tokens._signed.values()  # signed again, not handed back
    response = client.post("/presence/keep-alive", headers={"X-CSRFToken": fresh})
    assert response.status_code == 200
