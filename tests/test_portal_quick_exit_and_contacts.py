"""Quick exit on every portal page, and crisis contacts people can tap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from practice.extensions import db
from practice.portal.contacts import contact_links
from practice.web.headers import CONTENT_SECURITY_POLICY
from tests.checkin_helpers import URL, fill_in
from tests.homework_helpers import clinician_login, give_homework, partner_login, world  # noqa: F401

STATIC = Path(__file__).resolve().parent.parent / "practice" / "static"
CRISIS = ("If you are afraid right now, call 112.\nSamaritans: 116 123 (24/7)\n"
          "Or text HOME to 741741. Local line +44 (0)20 7946 0958.")


def _has_quick_exit(html: bytes) -> bool:
    return (b'id="quick-exit"' in html and b'href="/exit"' in html
            and b'src="/static/js/quick-exit.js"' in html)


def _portal_pages(app, world):
    assignment = give_homework(world)
    alex = partner_login(app, world.p1)
    pages = {path: alex.get(path) for path in ("/portal/", "/portal/support", URL,
                                              f"/portal/homework/{assignment.id}", "/portal/no-such-page")}
    pages["sent after a safety answer"] = fill_in(alex, "submit", safety="yes")
    anonymous = app.test_client()
    pages["/portal/login"] = anonymous.get("/portal/login")
    pages["/portal/welcome/bad-token"] = anonymous.get("/portal/welcome/bad-token")
    return pages


def test_every_portal_page_has_the_quick_exit_as_its_first_control_and_no_inline_script(app, world):
    for name, response in _portal_pages(app, world).items():
        html = response.data
        if response.status_code == 302:
            html = app.test_client().get(response.location).data  # not signed in here: followed
        assert _has_quick_exit(html), name
        first_link = re.search(rb"<a [^>]*>", html).group(0)
        assert b'id="quick-exit"' in first_link, name
        assert not re.search(rb"<script(?![^>]*\ssrc=)[^>]*>", html), name  # CSP: scripts from files only
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY


def test_clinician_pages_have_no_quick_exit(app, world):
    therapist = clinician_login(app, world.clinician)
    assert not _has_quick_exit(therapist.get("/dashboard").data)
    assert not _has_quick_exit(app.test_client().get("/login").data)


def test_quick_exit_signs_the_device_out_and_lands_on_a_page_that_says_nothing_of_therapy(app, world):
    alex = partner_login(app, world.p1)
    left = alex.get("/exit")
    assert left.status_code == 302 and left.location.endswith("/weather")
    neutral = alex.get("/weather")
    assert neutral.status_code == 200 and neutral.headers["Cache-Control"] == "no-store"
    text = neutral.data.decode().lower()
    for word in ("twofold", "therap", "portal", "partner", "couple", "check-in", "sign", "<script", "stylesheet"):
        assert word not in text
    assert "Set-Cookie" not in neutral.headers
    back = alex.get("/portal/")  # what the Back button would fetch: pages are no-store, so nothing is shown
    assert back.status_code == 302 and "/portal/login" in back.location


def test_a_practice_can_send_the_quick_exit_to_a_well_known_site(app, world):
    app.config["QUICK_EXIT_URL"] = "https://weather.example.org/today"
    alex = partner_login(app, world.p1)
    left = alex.get("/exit")
    assert left.status_code == 302 and left.location == "https://weather.example.org/today"
    assert alex.get("/portal/").status_code == 302  # signed out all the same


def test_quick_exit_script_replaces_the_page_rather_than_adding_to_history():
    script = (STATIC / "js" / "quick-exit.js").read_text()
    assert "location.replace(link.href)" in script and "preventDefault" in script
    assert "location.href =" not in script and "assign(" not in script


def test_a_clinician_following_the_exit_link_stays_signed_in(app, world):
    therapist = clinician_login(app, world.clinician)
    assert therapist.get("/exit").status_code == 302
    assert therapist.get("/dashboard").status_code == 200


def test_numbers_in_the_crisis_text_become_call_and_text_links_and_the_words_stay():
    html = str(contact_links(CRISIS))
    assert 'If you are afraid right now, call <a href="tel:112" class="tel-link">112</a>' in html
    assert '<a href="tel:116123" class="tel-link">116 123</a>' in html
    assert '<a href="sms:741741?body=HOME" class="sms-link" aria-label="Send a text to 741741">(text)</a>' in html
    assert '<a href="tel:+442079460958" class="tel-link">+44 (0)20 7946 0958</a>' in html
    assert "(24/7)" in html and 'tel:247' not in html and 'tel:24' not in html
    assert re.sub(r"<[^>]+>| <a [^>]*>\(text\)</a>", "", re.sub(r" <a [^>]*>\(text\)</a>", "", html)) == CRISIS


@pytest.mark.parametrize("hostile", [
    '<script>alert(1)</script> call 911',
    '" onmouseover="alert(1) 555 0100',
    "<a href='javascript:alert(1)'>999</a>",
    "911\"><img src=x onerror=alert(1)>",
])
def test_crisis_text_is_escaped_around_the_links(hostile):
    html = str(contact_links(hostile))
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.replace("javascript:alert", "")
    assert "<a href='" not in html and 'onmouseover="' not in html
    for href in re.findall(r'href="([^"]*)"', html):
        assert re.fullmatch(r"(tel|sms):\+?\d+(\?body=[A-Z0-9]+)?", href), href


def test_dates_years_and_short_numbers_are_left_as_words():
    assert str(contact_links("Open 9-5, closed 25/12/2026. Since 12 May.")) == "Open 9-5, closed 25/12/2026. Since 12 May."


def test_every_portal_page_showing_crisis_contacts_makes_them_tappable(app, world):
    practice = world.clinician.practice
    practice.crisis_resources, practice.phone = CRISIS, "+1 (555) 010-2000 ext 12"
    db.session.commit()
    alex = partner_login(app, world.p1)
    support = alex.get("/portal/support").data
    after_flag = fill_in(alex, "submit", safety="talk")
    after_flag = after_flag.data if after_flag.status_code == 200 else alex.get(after_flag.location).data
    for page in (support, after_flag):
        assert b'href="tel:112"' in page and b'href="sms:741741?body=HOME"' in page
        assert b'href="tel:+15550102000"' in page and b" ext 12" in page
    from tests.factories import make_exercise
    exercise = make_exercise(world.clinician, title="Mood and care", show_crisis_resources=True)
    assignment = give_homework(world, exercise=exercise)
    assert b'href="tel:116123"' in alex.get(f"/portal/homework/{assignment.id}").data


def test_crisis_numbers_are_escaped_whether_or_not_they_were_seen_as_markup_first():
    from markupsafe import Markup

    from practice.portal.contacts import number_links

    text = "<b>Call</b> 0800 123 456"
    for links in (contact_links, lambda words: number_links(words, None)):
        assert "<b>Call</b>" in links(Markup(text))  # trusted markup stays as it is
        again = links(text)  # the same words as plain text: a cache keyed on equal strings would hand back the above
        assert "&lt;b&gt;Call&lt;/b&gt;" in again and "<b>" not in again
