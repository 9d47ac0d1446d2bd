"""Who may read which trail: clinicians their couples', owners their practice's."""

from __future__ import annotations

import csv
import io

import pytest

from practice import audit
from practice.audit_pages import views
from practice.extensions import db
from tests.audit_helpers import audit_events
from tests.factories import make_clinician, make_couple
from tests.logins import login


def rows_of(response) -> str:
    """The trail table's rows, without the filter's option labels."""
    html = response.data.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


@pytest.mark.asvs("7.3.3")
def test_a_clinician_sees_the_trail_of_their_couple(logged_in, clinician):
    couple = make_couple(clinician)
    logged_in.get(f"/couples/{couple.id}")
    page = logged_in.get(f"/couples/{couple.id}/audit")
    assert page.status_code == 200
    html = rows_of(page)
    assert "Viewed" in html and clinician.name in html and "<td>Alex &amp; Sam</td>" in html  # named, not "Couple #1"


@pytest.mark.asvs("4.2.1")
def test_another_clinicians_couple_trail_is_not_found_and_the_attempt_is_recorded(client, clinician):
    colleague = make_clinician(clinician.practice)
    couple = make_couple(clinician)
    login(client, colleague)
    assert client.get(f"/couples/{couple.id}/audit").status_code == 404
    refusal = audit_events("access_refused")[0]
    assert (refusal.actor_id, refusal.record_type, refusal.record_id) == (colleague.id, "Couple", couple.id)
    assert refusal.couple_id is None  # never shown in that couple's trail


@pytest.mark.asvs("7.2.2")
def test_a_clinician_who_is_not_the_owner_gets_403_for_the_practice_trail(client, clinician):
    colleague = make_clinician(clinician.practice)
    login(client, colleague)
    assert client.get("/practice/audit").status_code == 403
    refusal = audit_events("access_refused")[0]
    assert refusal.actor_id == colleague.id and refusal.detail == {"endpoint": "practice_audit.practice_trail"}


def test_anonymous_visitors_are_sent_to_sign_in(client, clinician):
    couple = make_couple(clinician)
    for url in ("/practice/audit", f"/couples/{couple.id}/audit"):
        assert client.get(url).headers["Location"].startswith("/login")


def test_the_owner_sees_the_practice_trail_and_can_filter_it(app, client, clinician):
    colleague = make_clinician(clinician.practice, name="Rowan Ellery")
    login(app.test_client(), make_clinician(name="Outsider Person"))  # another practice: stays out
    colleague_browser = app.test_client()
    login(colleague_browser, colleague)
    colleague_browser.get(f"/couples/{make_couple(colleague).id}")
    login(client, clinician)
    everything = rows_of(client.get("/practice/audit"))
    assert "Rowan Ellery" in everything and "Viewed" in everything and "Signed in" in everything
    assert "Outsider" not in everything
    views = rows_of(client.get("/practice/audit?action=view"))
    assert "Viewed" in views and "Signed in" not in views


def test_the_practice_trail_is_paginated_newest_first(app, logged_in, clinician):
    app.config["AUDIT_EVENTS_PER_PAGE"], per_page = 2, app.config["AUDIT_EVENTS_PER_PAGE"]
    try:
        for n in (1, 2, 3):
            audit.record("view", actor=clinician, record_type="Couple", record_id=1000 + n)
        db.session.commit()
        first = logged_in.get("/practice/audit").data.decode()
        second = logged_in.get("/practice/audit?page=2").data.decode()
    finally:
        app.config["AUDIT_EVENTS_PER_PAGE"] = per_page
    assert "Couple 1003, not in this practice" in first and "Couple 1002, not in" in first and "Page 1 of 2" in first
    assert "Couple 1001, not in this practice" in second


def views_of_two_couples(owner, second_is_the_colleagues: bool):
    """The owner's couple and a second one viewed, and a colleague's change to their own profile."""
    colleague = make_clinician(owner.practice, name="Jamie Okafor")
    own = make_couple(owner, ("Alex", "Sam"))
    second = make_couple(colleague if second_is_the_colleagues else owner, ("Robin", "Lee"))
    audit.record("view", actor=owner, record=own)
    audit.record("view", actor=colleague if second_is_the_colleagues else owner, record=second)
    audit.record("change", actor=colleague, record=colleague)
    db.session.commit()
    return colleague, own


def test_records_are_named_for_the_owner_only_when_the_couple_is_theirs(client, clinician):
    """The owner reads the practice's trail; a colleague's couple is described, never named."""
    views_of_two_couples(clinician, second_is_the_colleagues=True)
    login(client, clinician)
    rows = rows_of(client.get("/practice/audit"))
    assert "<td>Alex &amp; Sam</td>" in rows and "one of Jamie Okafor&#39;s couples" in rows
    assert "Robin" not in rows and "Lee" not in rows and "<td>Jamie Okafor</td>" in rows


def test_a_row_written_by_a_job_or_command_says_where_it_came_from(logged_in, clinician):
    audit.record("export", record_type="Couple", record_id=make_couple(clinician).id, actor=None,
                 practice_id=clinician.practice_id)
    db.session.commit()
    assert "On the server (a job or a command)" in rows_of(logged_in.get("/practice/audit"))


def test_the_owner_filters_the_trail_by_person_couple_and_day(client, clinician):
    colleague, own = views_of_two_couples(clinician, second_is_the_colleagues=False)
    login(client, clinician)
    mine = rows_of(client.get(f"/practice/audit?who=clinician:{clinician.id}&couple={own.id}"))
    assert "Alex &amp; Sam" in mine and "Robin" not in mine and "Jamie Okafor" not in mine
    theirs = rows_of(client.get(f"/practice/audit?who=clinician:{colleague.id}"))
    assert "<td>Jamie Okafor</td>" in theirs and "Alex" not in theirs
    assert "Nothing matches these filters" in client.get("/practice/audit?since=2099-01-01").data.decode()
    tampered = client.get("/practice/audit?who=clinician:99999&couple=x&since=not-a-date&action=%00")
    assert tampered.status_code == 200 and "Alex &amp; Sam" in rows_of(tampered)  # unknown values are ignored
    for edge in ("since=0001-01-01", "until=9999-12-31", "since=9999-12-31&until=0001-01-01", "couple=1e9",
                 f"couple={10**30}", "who=clinician:abc", f"who=clinician:{10**30}"):
        assert client.get(f"/practice/audit?{edge}").status_code == 200, edge
        assert client.get(f"/practice/audit/download?{edge}").status_code == 200, edge


def test_the_owner_downloads_the_trail_as_csv_and_the_download_is_recorded(client, clinician):
    couple = make_couple(clinician, ("=HYPERLINK(\"http://x\")", "Sam"))
    audit.record("view", actor=clinician, record=couple)
    db.session.commit()
    login(client, clinician)
    response = client.get(f"/practice/audit/download?couple={couple.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert rows[0] == ["When", "Time zone", "Who", "What", "Record", "From"]
    assert rows[1][3] == "Viewed" and rows[1][4].startswith("'=HYPERLINK")  # a name a spreadsheet would run is text
    assert [e.detail for e in audit_events() if e.action == "export"] == [{"what": "audit_trail"}]


def test_the_csv_holds_every_matching_row_across_batches(app, client, clinician, monkeypatch):
    monkeypatch.setattr(views, "CSV_BATCH", 2)
    for n in range(5):
        audit.record("view", actor=clinician, record_type="Couple", record_id=2000 + n)
    db.session.commit()
    login(client, clinician)
    body = client.get("/practice/audit/download?action=view").data.decode()
    assert [f"Couple {2000 + n}, not in this practice" in body for n in range(5)] == [True] * 5
    assert body.count("\n") == 6  # the header and five rows, each once


def test_the_pages_links_carry_only_the_filters(client, clinician):
    """Other query keys never reach url_for: `endpoint` or `_external` would break or bend every link."""
    login(client, clinician)
    page = client.get("/practice/audit?endpoint=x&_method=POST&_external=1&_anchor=top&action=view")
    assert page.status_code == 200
    html = page.data.decode()
    assert 'href="/practice/audit/download?action=view"' in html and "_external" not in html


def test_a_cell_that_could_start_a_formula_anywhere_is_text(client, clinician):
    couple = make_couple(clinician, ("Alex;=HYPERLINK(1)", "Sam"))
    audit.record("view", actor=clinician, record=couple)
    db.session.commit()
    login(client, clinician)
    body = client.get("/practice/audit/download").data.decode()
    (row,) = [row for row in csv.reader(io.StringIO(body)) if row[3] == "Viewed"]
    assert row[4].startswith("'Alex;=HYPERLINK") and "\"'Alex;=HYPERLINK" in body  # quoted, and marked as text
