"""Hypothesis throws junk at every form: whatever arrives, the answer is never a server error.

Every POST route of `app.url_map` is posted to, as someone allowed to use it
(read off the authorisation matrix). Each example starts from what a browser
would send (the form's own values, filled in plausibly where empty) and
spoils one to three fields: values that are empty, huge, NUL-laden, any
Unicode, numbers where text belongs, lists where one value belongs, or the
field missing altogether, sometimes with a stray field added. Starting from
a valid form matters: junk everywhere is refused by the first validator,
while one bad field among good ones reaches the service and the database.
Runs on SQLite and on PostgreSQL (which refuses NUL bytes in text, so a
forgotten check there shows up as a 500).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from practice.extensions import db, limiter
from practice.models import Clinician, ClinicianInvitation, Partner, PartnerInvitation, PasswordResetToken, utcnow
from practice.rules.tokens import new_token
from tests.factories import PASSWORD
from tests.html_forms import form_fields
from tests.route_helpers import LOGIN, PORTAL, build_world, prepare, route_keys, url_of
from tests.test_authorisation_matrix import EXPECTED

# Who fuzzes each route: the first of these the matrix lets through.
FUZZERS = ("clinician", "owner", "partner1", "anonymous")
REFUSED = {403, 404, LOGIN, PORTAL}
# Forms posted to a URL that only takes POSTs live on another page.
FORM_PAGES = {
    "/account/password": "/account/",
    "/account/security/email": "/account/security/",
    "/practice/team/invitations": "/practice/team",
}

NASTY = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\x00" * 50, "x" * 200_000, "9" * 400, "-1", "0", "1e309", "NaN", "[]", "{}",
    "<script>alert(1)</script>", "' OR 1=1 --", "%s%n", "\u202e\u200b\ufeff", "𝕏" * 1000, "../../etc/passwd",
    "2026-02-30", "true", "None",
])
VALUE = st.one_of(NASTY, st.text(max_size=300), st.integers().map(str))
FIELD_VALUE = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))

POST_ROUTES = sorted(key for key in EXPECTED if key.startswith("POST "))


def fuzzer_for(key: str) -> str:
    row = EXPECTED[key]._asdict()
    return next((role for role in FUZZERS if row[role] not in REFUSED), "anonymous")


def live_tokens() -> dict[str, str]:
    """Working links for the routes whose token is their authorisation, so the forms behind them are reached."""
    clinician = db.session.scalars(select(Clinician).where(Clinician.is_owner)).first()
    partner = db.session.scalar(select(Partner).where(Partner.email == "alex@example.com"))
    expires = utcnow() + timedelta(days=1)
    tokens = {}
    for prefix, row in (
        ("/password/reset/", PasswordResetToken(clinician_id=clinician.id, expires_at=expires)),
        ("/join/", ClinicianInvitation(practice_id=clinician.practice_id, invited_by_id=clinician.id,
                                       email="joining@example.com", expires_at=expires)),
        ("/portal/welcome/", PartnerInvitation(partner_id=partner.id, created_by_id=clinician.id, expires_at=expires)),
    ):
        tokens[prefix], row.token_hash = new_token()
        db.session.add(row)
    db.session.commit()
    return tokens


# Plausible values for fields a page leaves empty, so the starting form is one a person could send.
PLAUSIBLE = {
    "name": "Dana Reyes", "practice_name": "Harbour Counselling", "credentials": "LMFT", "email": "dana.new@example.com",
    "password": PASSWORD, "confirm": PASSWORD, "pw-current_password": PASSWORD, "pw-password": "a quiet walk by the river",
    "pw-confirm": "a quiet walk by the river", "partner1-name": "Alex", "partner2-name": "Sam",
    "start_date": "2026-01-05", "comment": "Lovely work, both of you.", "note": "Take your time.", "q_story": "We talked.",
}


def starting_form(browser, url: str) -> dict[str, list[str]]:
    """What the browser would send from the page, with empty fields filled in plausibly."""
    page = browser.get(FORM_PAGES.get(url, url))
    fields = form_fields(page.data, form_class=None) if page.status_code == 200 else {}
    fields.pop("csrf_token", None)
    return {name: values if any(values) or name not in PLAUSIBLE else [PLAUSIBLE[name]]
            for name, values in fields.items()} or {"field": ["value"]}


@pytest.fixture()
def no_rate_limits(monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)


@pytest.mark.asvs("5.1.4")
@pytest.mark.parametrize("key", POST_ROUTES)
def test_no_form_input_causes_a_server_error(app, key, no_rate_limits):
    world = build_world()
    rule = route_keys(app)[key]
    with app.test_request_context():
        url = url_of(rule, world.values)
    for prefix, token in live_tokens().items():
        if url.startswith(prefix):
            url = prefix + token
    login = world.logins.get(fuzzer_for(key))
    browser = app.test_client()
    prepare(browser, login)
    start = starting_form(browser, url)

    def assert_no_server_error(form: dict) -> None:
        client = app.test_client()
        token = prepare(client, login)
        response = client.post(url, data=form | {"csrf_token": token})
        assert response.status_code < 500, (form, response.status_code, response.data[:300])
        response.close()

    for name in start:  # first, a NUL byte in each field alone: the one value PostgreSQL can't store
        assert_no_server_error(start | {name: "ok\x00ok"})

    @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(spoilt=st.dictionaries(st.sampled_from(sorted(start)), st.none() | FIELD_VALUE, min_size=1, max_size=3),
           stray=st.dictionaries(st.text(min_size=1, max_size=12), VALUE, max_size=1))
    def post(spoilt, stray):
        assert_no_server_error({name: value for name, value in (start | spoilt).items() if value is not None} | stray)

    post()
