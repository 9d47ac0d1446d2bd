"""The caseload: adding, editing, finding and archiving couples, and who may see them."""

from __future__ import annotations

import re
from html import unescape
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from practice.extensions import db
from practice.models import Couple, Partner, utcnow
from tests.factories import make_clinician, make_couple
from tests.logins import login
from tests.reading import visible


def couple_form(**overrides) -> dict:
    data = {
        "partner1-name": "Zoë", "partner1-pronouns": "she/her", "partner1-email": "zoe@example.com",
        "partner2-name": "Łukasz", "partner2-pronouns": "", "partner2-email": "",
        "concerns": ["stonewalling", "betrayal"], "stage": "restructuring",
        "start_date": "2026-03-02", "status": "active",
    }
    return data | overrides


def test_create_a_couple(logged_in, clinician):
    response = logged_in.post_form("/couples/new", couple_form())
    assert response.status_code == 302
    couple = db.session.scalar(select(Couple))
    assert couple.clinician_id == clinician.id
    assert couple.name == "Zoë & Łukasz"
    assert couple.concerns == ["stonewalling", "betrayal"]
    assert couple.partner(2).email is None
    page = logged_in.get(response.headers["Location"]).data.decode()
    assert "Zoë &amp; Łukasz" in page and "Betrayal" in page and "Restructuring" in page


def test_two_partners_may_share_an_email(logged_in):
    response = logged_in.post_form("/couples/new", couple_form(**{"partner2-email": "zoe@example.com"}))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Partner.id)).where(Partner.email == "zoe@example.com")) == 2


def test_edit_a_couple_and_close_it_without_deleting(logged_in, clinician):
    couple = make_couple(clinician)
    form = couple_form(status="closed", version=couple.version)
    asked = logged_in.post_form(f"/couples/{couple.id}/edit", form)
    assert asked.status_code == 200 and b'id="confirm_close-error"' in asked.data  # closing is confirmed first
    assert "Nothing is deleted, and choosing Active again reopens them" in visible(asked.data.decode())
    db.session.refresh(couple)
    assert couple.status == "active"
    response = logged_in.post_form(f"/couples/{couple.id}/edit", form | {"confirm_close": "y"})
    assert response.status_code == 302
    db.session.refresh(couple)
    assert couple.status == "closed" and couple.closed_at is not None
    assert couple.partner(1).name == "Zoë"
    assert b"closed and archived" in logged_in.get(f"/couples/{couple.id}").data
    assert b"Zo\xc3\xab" not in logged_in.get("/couples/").data  # hidden from the open caseload
    assert b"Zo\xc3\xab" in logged_in.get("/couples/?status=closed").data


def test_saving_a_couple_that_is_already_closed_asks_nothing_more(logged_in, clinician):
    couple = make_couple(clinician, status="closed")
    response = logged_in.post_form(f"/couples/{couple.id}/edit", couple_form(status="closed", version=couple.version))
    assert response.status_code == 302


def test_turning_off_access_is_confirmed_on_a_page_first(logged_in, clinician):
    couple = make_couple(clinician)
    page = logged_in.get(f"/couples/{couple.id}/partners/1/revoke")
    shown = visible(page.data.decode())
    assert page.status_code == 200 and "signed out on every device" in shown and "Their partner is not told" in shown
    db.session.refresh(couple)
    assert couple.partner(1).access_revoked_at is None  # asking changes nothing
    assert logged_in.post_form(f"/couples/{couple.id}/partners/1/revoke").status_code == 302
    db.session.refresh(couple)
    assert couple.partner(1).access_revoked_at is not None


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(logged_in, clinician):
    couple = make_couple(clinician)
    old_version = couple.version
    logged_in.post_form(f"/couples/{couple.id}/edit", couple_form(version=old_version))
    response = logged_in.post_form(
        f"/couples/{couple.id}/edit", couple_form(**{"partner1-name": "Typed later"}, version=old_version)
    )
    assert response.status_code == 200
    assert b"Someone else saved this page" in response.data
    assert b'value="Typed later"' in response.data
    db.session.refresh(couple)
    assert couple.partner(1).name == "Zoë"


def test_caseload_search_filter_and_sort_by_recent_activity(logged_in, clinician):
    older = make_couple(clinician, ("Ana", "Ben"), last_activity_at=utcnow() - timedelta(days=3))
    newer = make_couple(clinician, ("Cleo", "Dev"), last_activity_at=utcnow())
    make_couple(clinician, ("Eli", "Fay"), status="paused")
    make_couple(clinician, ("Gus", "Hal"), status="closed")

    page = logged_in.get("/couples/").data.decode()
    assert page.index("Cleo") < page.index("Ana")
    assert "Eli" in page and "Gus" not in page

    assert [older.name] == names(logged_in.get("/couples/?q=ben").data)
    assert [newer.name] == names(logged_in.get("/couples/?q=CLE").data)
    assert names(logged_in.get("/couples/?status=paused").data) == ["Eli & Fay"]
    assert len(names(logged_in.get("/couples/?status=all").data)) == 4
    assert names(logged_in.get("/couples/?q=%25").data) == []  # % is a character, not a wildcard


def names(html: bytes) -> list[str]:
    """Couple names linked from a caseload page, unescaped."""
    return [unescape(n.decode()) for n in re.findall(rb'<a href="/couples/\d+">([^<]+)</a>', visible(html))]


def test_caseload_paginates(app, logged_in, clinician):
    for i in range(app.config["COUPLES_PER_PAGE"] + 2):
        make_couple(clinician, (f"P{i:02d}", "Q"))
    first = logged_in.get("/couples/").data
    assert len(names(first)) == app.config["COUPLES_PER_PAGE"]
    assert b"Page 1 of 2" in first
    assert len(names(logged_in.get("/couples/?page=2").data)) == 2


def test_caseload_shows_only_the_clinicians_own_couples(client, clinician):
    make_couple(clinician, ("Mine", "Ours"))
    colleague = make_clinician(clinician.practice)
    make_couple(colleague, ("Theirs", "Not mine"))
    login(client, clinician)
    page = client.get("/couples/?status=all").data
    assert b"Mine" in page and b"Theirs" not in page
    assert names(client.get("/couples/?q=Theirs").data) == []


@pytest.mark.parametrize("path", ["/couples/{id}", "/couples/{id}/edit"])
def test_another_clinicians_couple_is_not_found(client, clinician, path):
    couple = make_couple(clinician)
    colleague = make_clinician(clinician.practice)
    login(client, colleague)
    assert client.get(path.format(id=couple.id)).status_code == 404


def test_another_clinician_cannot_edit_by_posting(client, clinician):
    couple = make_couple(clinician)
    login(client, make_clinician(clinician.practice))
    response = client.post_form(f"/couples/{couple.id}/edit", couple_form(version=couple.version))
    assert response.status_code == 404
    db.session.refresh(couple)
    assert couple.partner(1).name == "Alex"


@pytest.mark.parametrize("path", ["/couples/", "/couples/new", "/couples/1", "/couples/1/edit"])
def test_couple_pages_need_a_signed_in_clinician(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_couple_page_title_is_plain_text(logged_in, clinician):
    couple = make_couple(clinician)
    page = logged_in.get(f"/couples/{couple.id}").data
    assert re.search("<title>\u2068Alex &amp; Sam\u2069 · Twofold</title>".encode(), page)  # isolated, still plain text
    assert page.count(b'id="homework"') == 1 and page.count(b'id="access"') == 1
