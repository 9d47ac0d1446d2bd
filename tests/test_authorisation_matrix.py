"""Every route × every kind of person: who gets the page, who is sent to sign in, who finds nothing.

The table `EXPECTED` has one row per route and method, built from
`app.url_map`: a route without a row fails `test_every_route_has_a_row`, so a
new page cannot ship without deciding who may see it. Each row lists what
each person gets, in the column order of `Row`:

    200, 400, 403, 404, 405 ... the status code
    302                         a redirect somewhere other than a sign-in page
    LOGIN / PORTAL              a redirect to the clinician / partner sign-in page

Requests carry ids from one small world (`tests/route_helpers.build_world`) and, for POSTs,
an empty form with a valid CSRF token. Another clinician's, practice's or
couple's record is always a 404, never a 403: its existence is not revealed.
Adding a route means adding one line here.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from tests.route_helpers import LOGIN, PORTAL, Outcome, RouteWorld, fresh_world, outcome, prepare, route_keys, url_of


class Row(NamedTuple):
    anonymous: Outcome
    clinician: Outcome  # the couple's clinician
    colleague: Outcome  # another clinician of the same practice
    stranger: Outcome  # the owner of another practice
    owner: Outcome  # the practice owner, who is not the couple's clinician
    partner1: Outcome
    partner2: Outcome
    outsider: Outcome  # a partner of another couple (the same clinician's)


# fmt: off
EXPECTED: dict[str, Row] = {
    #                                                                          anon    clin coll strg ownr   p1   p2  outs
    "GET /":                                                            Row(LOGIN,  302, 302, 302, 302, 302, 302, 302),
    "GET /healthz":                                                     Row(200,    200, 200, 200, 200, 200, 200, 200),
    "GET /static/<path:filename>":                                      Row(200,    200, 200, 200, 200, 200, 200, 200),
    # Signing up, in and out (public; the links' tokens are the authorisation, so a made-up one is refused)
    "GET /signup":                                                      Row(200,    200, 200, 200, 200, 200, 200, 200),
    "POST /signup":                                                     Row(200,    200, 200, 200, 200, 200, 200, 200),
    "GET /signup/confirm/<token>":                                      Row(400,    400, 400, 400, 400, 400, 400, 400),
    "GET /login":                                                       Row(200,    302, 302, 302, 302, 302, 302, 302),
    "POST /login":                                                      Row(200,    302, 302, 302, 302, 302, 302, 302),
    "GET /login/code":                                                  Row(LOGIN,  LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "POST /login/code":                                                 Row(LOGIN,  LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "POST /logout":                                                     Row(LOGIN,  LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "GET /password/reset":                                              Row(200,    200, 200, 200, 200, 200, 200, 200),
    "POST /password/reset":                                             Row(200,    200, 200, 200, 200, 200, 200, 200),
    "GET /password/reset/<token>":                                      Row(400,    400, 400, 400, 400, 400, 400, 400),
    "POST /password/reset/<token>":                                     Row(400,    400, 400, 400, 400, 400, 400, 400),
    "GET /join/<token>":                                                Row(400,    400, 400, 400, 400, 400, 400, 400),
    "POST /join/<token>":                                               Row(400,    400, 400, 400, 400, 400, 400, 400),
    "GET /presence/":                                                   Row(401,    200, 200, 200, 200, 200, 200, 200),
    "POST /presence/keep-alive":                                        Row(401,    200, 200, 200, 200, 200, 200, 200),
    # A clinician's own account
    "GET /account/":                                                    Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "POST /account/":                                                   Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "POST /account/password":                                           Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "GET /account/security/":                                           Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "GET /account/security/confirm":                                    Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "POST /account/security/confirm":                                   Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "POST /account/security/email":                                     Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "GET /account/security/email/<token>":                              Row(LOGIN,  400, 400, 400, 400, 404, 404, 404),
    "POST /account/security/two-factor/start":                          Row(LOGIN,  302, 302, 302, 302, 404, 404, 404),
    "GET /account/security/two-factor/setup":                           Row(LOGIN,  302, 302, 302, 302, 404, 404, 404),
    "POST /account/security/two-factor/setup":                          Row(LOGIN,  302, 302, 302, 302, 404, 404, 404),
    "POST /account/security/two-factor/recovery-codes":                 Row(LOGIN,  302, 302, 302, 302, 404, 404, 404),
    "POST /account/security/two-factor/disable":                        Row(LOGIN,  302, 302, 302, 302, 404, 404, 404),
    # The practice: its owner only; another practice's owner finds nothing of it
    "GET /practice/":                                                   Row(LOGIN,  403, 403, 200, 200, 404, 404, 404),
    "POST /practice/":                                                  Row(LOGIN,  403, 403, 200, 200, 404, 404, 404),
    "GET /practice/team":                                               Row(LOGIN,  403, 403, 200, 200, 404, 404, 404),
    "POST /practice/team/invitations":                                  Row(LOGIN,  403, 403, 200, 200, 404, 404, 404),
    "POST /practice/team/invitations/<int:invitation_id>/revoke":       Row(LOGIN,  403, 403, 404, 302, 404, 404, 404),
    "POST /practice/team/<int:clinician_id>/<any(deactivate, reactivate):action>": Row(LOGIN, 403, 403, 404, 302, 404, 404, 404),
    "GET /practice/team/<int:clinician_id>/reassign":                   Row(LOGIN,  403, 403, 404, 200, 404, 404, 404),
    "POST /practice/team/<int:clinician_id>/reassign":                  Row(LOGIN,  403, 403, 404, 302, 404, 404, 404),
    "GET /practice/audit":                                              Row(LOGIN,  403, 403, 200, 200, 404, 404, 404),
    "GET /practice/audit/download":                                     Row(LOGIN,  403, 403, 200, 200, 404, 404, 404),
    "GET /practice/undelivered-email":                                  Row(LOGIN,  403, 403, 200, 200, 404, 404, 404),
    # Couples: their own clinician only
    "GET /couples/":                                                    Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "GET /couples/new":                                                 Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "POST /couples/new":                                                Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "GET /couples/<int:couple_id>":                                     Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /couples/<int:couple_id>/edit":                                Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /couples/<int:couple_id>/edit":                               Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /couples/<int:couple_id>/partners/<int:position>/invite":     Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "GET /couples/<int:couple_id>/partners/<int:position>/revoke":      Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /couples/<int:couple_id>/partners/<int:position>/revoke":     Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "GET /couples/<int:couple_id>/audit":                               Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    # Homework, from the therapist's side
    "GET /dashboard":                                                   Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "GET /couples/<int:couple_id>/homework/new":                        Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /couples/<int:couple_id>/homework/new":                       Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /homework/<int:assignment_id>":                                Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /homework/<int:assignment_id>":                               Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    # The exercise library: built-ins and the practice's own, for every clinician of the practice
    "GET /library/":                                                    Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "GET /library/new":                                                 Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "POST /library/new":                                                Row(LOGIN,  200, 200, 200, 200, 404, 404, 404),
    "GET /library/<int:exercise_id>":                                   Row(LOGIN,  200, 200, 404, 200, 404, 404, 404),
    "GET /library/<int:exercise_id>/edit":                              Row(LOGIN,  200, 200, 404, 200, 404, 404, 404),
    "POST /library/<int:exercise_id>/edit":                             Row(LOGIN,  200, 200, 404, 200, 404, 404, 404),
    "GET /library/<int:exercise_id>/copy":                              Row(LOGIN,  200, 200, 404, 200, 404, 404, 404),
    "POST /library/<int:exercise_id>/copy":                             Row(LOGIN,  200, 200, 404, 200, 404, 404, 404),
    "POST /library/<int:exercise_id>/<any(retire, restore):action>":    Row(LOGIN,  302, 302, 404, 302, 404, 404, 404),
    "GET /library/<int:exercise_id>/assign":                            Row(LOGIN,  200, 200, 404, 200, 404, 404, 404),
    # The partner portal: each partner's own space
    "GET /portal/login":                                                Row(200,    200, 200, 200, 200, 302, 302, 302),
    "POST /portal/login":                                               Row(200,    200, 200, 200, 200, 302, 302, 302),
    "GET /portal/welcome/<token>":                                      Row(400,    400, 400, 400, 400, 400, 400, 400),
    "POST /portal/welcome/<token>":                                     Row(400,    400, 400, 400, 400, 400, 400, 400),
    "POST /portal/logout":                                              Row(PORTAL, 404, 404, 404, 404, PORTAL, PORTAL, PORTAL),
    "GET /portal/":                                                     Row(PORTAL, 404, 404, 404, 404, 200, 200, 200),
    "GET /portal/support":                                              Row(PORTAL, 404, 404, 404, 404, 200, 200, 200),
    "GET /portal/safety-plan":                                          Row(PORTAL, 404, 404, 404, 404, 200, 200, 200),
    "GET /portal/sharing":                                              Row(PORTAL, 404, 404, 404, 404, 200, 200, 200),
    "POST /portal/sharing":                                             Row(PORTAL, 404, 404, 404, 404, 200, 200, 200),
    # Quick exit (a plain link on every portal page) and the neutral page it leads to: anyone
    "GET /exit":                                                        Row(302,    302, 302, 302, 302, 302, 302, 302),
    "GET /weather":                                                     Row(200,    200, 200, 200, 200, 200, 200, 200),
    "GET /portal/homework/<int:assignment_id>":                         Row(PORTAL, 404, 404, 404, 404, 200, 200, 404),
    "POST /portal/homework/<int:assignment_id>":                        Row(PORTAL, 404, 404, 404, 404, 200, 200, 404),
    "POST /portal/homework/<int:assignment_id>/autosave":               Row(PORTAL, 404, 404, 404, 404, 409, 409, 404),
    # Sessions and notes: the couple's clinician only; partners download released handouts in the portal
    "GET /couples/<int:couple_id>/sessions/new":                        Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /couples/<int:couple_id>/sessions/new":                       Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /sessions/<int:session_id>":                                   Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /sessions/<int:session_id>":                                  Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "POST /sessions/<int:session_id>/amendments":                       Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /sessions/<int:session_id>/release":                           Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "POST /sessions/<int:session_id>/release":                          Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "GET /sessions/<int:session_id>/sign":                              Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "POST /sessions/<int:session_id>/sign":                             Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "GET /sessions/<int:session_id>/<any(clinician, couple):copy>.pdf": Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /sessions/<int:session_id>/withdraw":                         Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "POST /sessions/<int:session_id>/corrected":                        Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /sessions/<int:session_id>/versions/<any(clinician, couple):copy>/<int:version>.pdf": Row(LOGIN, 200, 404, 404, 404, 404, 404, 404),
    "GET /portal/handouts/<int:session_id>.pdf":                        Row(PORTAL, 404, 404, 404, 404, 200, 200, 404),
    # Check-ins, safety flags and the record export
    "GET /couples/<int:couple_id>/check-ins/settings":                  Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /couples/<int:couple_id>/check-ins/settings":                 Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /couples/<int:couple_id>/safety/<int:flag_id>":                Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /couples/<int:couple_id>/safety/<int:flag_id>":               Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "POST /couples/<int:couple_id>/export":                             Row(LOGIN,  302, 404, 404, 404, 404, 404, 404),
    "GET /couples/<int:couple_id>/exports":                             Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /portal/check-in":                                             Row(PORTAL, 404, 404, 404, 404, 200, 200, 200),
    "POST /portal/check-in":                                            Row(PORTAL, 404, 404, 404, 404, 200, 200, 200),
    "POST /portal/check-in/autosave":                                   Row(PORTAL, 404, 404, 404, 404, 409, 409, 409),
    # Background jobs: only the clinician who started one
    "GET /jobs/<int:job_id>":                                           Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /jobs/<int:job_id>/status":                                    Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
    "GET /jobs/<int:job_id>/download":                                  Row(LOGIN,  200, 404, 404, 404, 404, 404, 404),
}
# fmt: on

# The order requests are made in: the least privileged first, so that a
# request that changes something (revoking a partner, retiring an exercise)
# comes after everyone who should have been refused has tried.
REQUEST_ORDER = ("anonymous", "outsider", "partner2", "partner1", "stranger", "colleague", "owner", "clinician")
@pytest.mark.asvs("4.1.3")
def test_every_route_has_a_row(app):
    routes = set(route_keys(app))
    assert sorted(routes - set(EXPECTED)) == [], "add a row to EXPECTED for each new route"
    assert sorted(set(EXPECTED) - routes) == [], "remove the rows of routes that no longer exist"


@pytest.mark.asvs("4.2.1")
def test_every_route_gives_each_person_what_the_table_says(app):
    """One pass over the table, GETs first; the world is rebuilt after any request that may have changed it.

    Views redirect after a POST only once they have changed something; with
    an empty form they otherwise show it again (200) or refuse. So a POST
    that answered a signed-in person with a redirect leaves the next route a
    fresh world.
    """
    routes = route_keys(app)
    world = fresh_world()
    differences = []
    for key in sorted(EXPECTED, key=lambda key: (not key.startswith("GET "), key)):
        method, _, _ = key.partition(" ")
        if key not in routes:
            continue  # reported by test_every_route_has_a_row
        actual = outcomes(app, routes[key], method, world)
        differences += [f"{key} as {role}: {got!r}, expected {want!r}"
                        for role, got, want in zip(Row._fields, actual, EXPECTED[key]) if got != want]
        if method != "GET" and any(got not in UNCHANGED for role, got in actual._asdict().items() if role != "anonymous"):
            world = fresh_world()
    assert differences == []


UNCHANGED = {200, 400, 403, 404, 405, 409}  # a form shown again with its errors, a status report, or a refusal


def outcomes(app, rule, method: str, world: RouteWorld) -> Row:
    """What each person gets from this rule, asked in REQUEST_ORDER."""
    with app.test_request_context():
        url = url_of(rule, world.values)
    actual = {}
    for role in REQUEST_ORDER:
        browser = app.test_client()
        token = prepare(browser, world.logins.get(role))
        data = None if method == "GET" else {"csrf_token": token}
        response = browser.open(url, method=method, data=data)
        actual[role] = outcome(response)
        response.close()
    return Row(**actual)
