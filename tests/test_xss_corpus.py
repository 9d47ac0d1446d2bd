"""Hostile text in every place people type it comes back out inert, on pages and in emails.

Each payload of a small XSS corpus is planted straight into the database
(past the forms, which refuse some of it) as practice, clinician, partner,
exercise, homework and answer text. Then every page that shows that text, to
the therapist and to a partner, and the emails that quote it, are parsed:
no script of ours but files from /static/, no event-handler attribute, no
`javascript:` link, no frame or style element, and no payload verbatim. PDFs
are covered by test_pdf_documents (hostile notes print literally).
"""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

import pytest
from pydantic import ValidationError

from practice.extensions import db
from practice.homework.services import mark_reviewed
from practice.models import utcnow
from practice.portal.access import issue_invitation
from practice.practices.services import invite_clinician
from tests.factories import make_exercise
from tests.homework_helpers import clinician_login, give_homework, partner_login, world  # noqa: F401  (fixture)

CORPUS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg/onload=alert(3)>",
    "[click me](javascript:alert(4))",
    '<a href="javascript:alert(5)">five</a>',
    "</textarea><script>alert(6)</script>",
    "<iframe src=//evil.example/7>",
    "<style>body{display:none}</style>",
    "&lt;script&gt;alert(9)&lt;/script&gt;",
    "{{ 7*191 }}{% raw %}",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(11)>",
    "javascript:alert(12)//<b onmouseover=alert(12)>",
]
DANGEROUS_URL = ("javascript:", "vbscript:", "data:text")
FORBIDDEN_TAGS = {"iframe", "frame", "object", "embed", "style", "base", "math", "mglyph"}


class InjectionFinder(HTMLParser):
    """Collects every element or attribute that could run code or restyle the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.found.append(f"<script> {attributes}")
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}={value}")
            if name in {"href", "src", "action", "formaction", "xlink:href"} and (value or "").strip().lower().startswith(DANGEROUS_URL):
                self.found.append(f"{tag} {name}={value}")


def injections(html: str) -> list[str]:
    finder = InjectionFinder()
    finder.feed(html)
    return finder.found


def assert_inert(html: str, payload: str, where: str) -> None:
    assert injections(html) == [], where
    if any(c in payload for c in "<>\"'"):
        assert payload not in html, where
    assert "1337" not in html, where  # {{ 7*191 }} was never evaluated as a template


@pytest.fixture()
def planted(world, request):
    """The world with `payload` in every field people type, and homework answered by both partners."""
    payload = request.param
    practice = world.clinician.practice
    practice.name = practice.address = practice.crisis_resources = payload
    world.clinician.name = payload
    world.p1.name = payload
    db.session.commit()  # saved before the library's service opens its own unit of work
    exercise = exercise_with(world.clinician, payload)
    assignment = give_homework(world, exercise=exercise, sharing="shared_after_both")
    assignment.note = payload
    for response in assignment.responses:
        response.answers = {"story": payload}
        response.status = "submitted"
        response.submitted_at = utcnow()
    db.session.commit()
    mark_reviewed(assignment, assignment.version, payload)
    return world, assignment, exercise, payload


def exercise_with(clinician, payload: str):
    """An exercise carrying the payload, where the library's own checks let it in at all."""
    try:
        return make_exercise(clinician, title=f"Exercise {payload}"[:120], instructions=payload,
                             prompts=[{"key": "story", "type": "long_text", "label": payload}])
    except ValidationError:  # the library refuses HTML in exercise text outright
        return make_exercise(clinician, prompts=[{"key": "story", "type": "long_text", "label": "What happened?"}])


@pytest.mark.asvs("5.3.3")
@pytest.mark.parametrize("planted", CORPUS, indirect=True)
def test_hostile_text_is_inert_on_every_page(app, planted):
    world, assignment, exercise, payload = planted
    therapist = clinician_login(app, world.clinician)
    couple = world.couple.id
    for url in ["/dashboard", "/couples/", f"/couples/{couple}", f"/couples/{couple}/edit", f"/couples/{couple}/audit",
                f"/homework/{assignment.id}", "/library/", f"/library/{exercise.id}", f"/library/{exercise.id}/edit",
                f"/couples/{couple}/homework/new", "/practice/", "/practice/team", "/practice/audit", "/account/"]:
        response = therapist.get(url)
        assert response.status_code == 200, url
        assert_inert(response.data.decode(), payload, url)
        if url == f"/couples/{couple}":
            assert payload in unescape(response.data.decode())  # shown, as the text it is
    partner = partner_login(app, world.p2)
    for url in ["/portal/", f"/portal/homework/{assignment.id}", "/portal/support"]:
        response = partner.get(url)
        assert response.status_code == 200, url
        assert_inert(response.data.decode(), payload, url)


@pytest.mark.asvs("5.3.3")
@pytest.mark.parametrize("planted", CORPUS, indirect=True)
def test_hostile_text_is_inert_in_emails(app, planted, outbox):
    world, _, _, payload = planted
    world.p2.email = "sam.mail@example.com"
    db.session.commit()
    with app.test_request_context():
        issue_invitation(world.p2, world.clinician)
        invite_clinician(world.clinician, "colleague@example.com")
    assert len(outbox) == 2
    for message in outbox:
        html = message.alternatives[0][0]
        assert_inert(html, payload, message.subject)  # subjects are plain text headers, never markup
