"""Issue 13 §5: user-supplied names are isolated in pages, titles, emails and both PDFs.

Names typed today can't hold direction controls (the forms refuse them), but
names stored before, imported or seeded could; and Arabic or Hebrew names
must display right beside our English words. The hostile corpus is stored
directly, then read back through the pages and the PDFs (text via pypdf).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from practice.documents.session_pdfs import render_copy
from practice.extensions import db
from practice.models import Partner
from practice.web.templating import FSI, PDI, bdi, isolate
from tests.database import wipe_database
from tests.homework_helpers import clinician_login, partner_login, world  # noqa: F401
from tests.reading import pdf_pages
from tests.test_inputs_versions_roles import error_for

RLO, ARABIC, HEBREW = "\u202e", "سارة", "נועה"
HOSTILE = [f"Alex{RLO}", ARABIC, HEBREW, "Sam\u200b", "<b>Sam</b>", "N\x00ul", "x" * 500]


def test_isolate_and_bdi():
    assert isolate("Alex") == f"{FSI}Alex{PDI}" and isolate(isolate("Alex")) == f"{FSI}Alex{PDI}"
    assert isolate("") == "" and isolate(None) == ""
    assert str(bdi("<b>Sam</b>")) == "<bdi>&lt;b&gt;Sam&lt;/b&gt;</bdi>"


@pytest.mark.parametrize("name", HOSTILE)
def test_every_hostile_name_is_refused_or_kept_exactly(logged_in, name):
    data = {"partner1-name": name, "partner2-name": "Sam", "stage": "deescalation", "start_date": "2026-01-05",
            "status": "active"}
    response = logged_in.post_form("/couples/new", data)
    stored = db.session.scalars(select(Partner).where(Partner.position == 1)).all()
    if response.status_code == 302:
        assert [p.name for p in stored] == [name] and name in (ARABIC, HEBREW)
    else:
        assert response.status_code == 200 and error_for(response.data, "partner1-name") and stored == []


def stored_hostile_names(world):
    """Names as an import or an old row could hold them: an override, and right-to-left scripts."""
    world.p1.name, world.p2.name = f"Alex{RLO}", ARABIC
    world.clinician.practice.name = f"{HEBREW} Practice{RLO}"
    db.session.commit()


def test_pages_isolate_every_name(app, world):
    stored_hostile_names(world)
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/couples/{world.couple.id}").data.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert f"{FSI}Alex{RLO} &amp; {ARABIC}{PDI}" in title
    assert f"<bdi>Alex{RLO}</bdi>" in page and f"<bdi>{ARABIC}</bdi>" in page
    assign = therapist.get(f"/couples/{world.couple.id}/homework/new?exercise={world.exercise.id}").data.decode()
    assert f"{FSI}Alex{RLO}{PDI} only" in assign and f"{FSI}{ARABIC}{PDI} only" in assign
    portal = partner_login(app, world.p2).get("/portal/").data.decode()
    assert f"<bdi>{ARABIC}</bdi>" in portal


def test_emails_isolate_names(app, world, outbox):
    stored_hostile_names(world)
    therapist = clinician_login(app, world.clinician)
    response = therapist.post_form(f"/couples/{world.couple.id}/partners/1/invite", {})
    assert response.status_code == 302
    message = outbox[-1]
    assert f"Hello {FSI}Alex{RLO}{PDI}," in message.body
    assert f"{FSI}{HEBREW} Practice{RLO}{PDI}" in message.subject
    flashed = therapist.get(f"/couples/{world.couple.id}").data.decode()
    assert f"A new private link for {FSI}Alex{RLO}{PDI} is ready" in flashed


def test_both_pdfs_show_our_words_in_order(app):
    from tests.test_sessions_pdfs import full_session

    session = full_session(names=(f"Alex{RLO}", ARABIC))
    session.clinician.practice.name = f"Harbour{RLO}"
    db.session.commit()
    texts = {copy: " ".join(pdf_pages(render_copy(session, copy))) for copy in ("clinician", "couple")}
    wipe_database()
    handout, clinician = texts["couple"], texts["clinician"]
    # Our words after each name come out forwards, not "…morf ,xelA dna…".
    for reversed_words in ("morf", "dna", "ycaviP", "noisseS"):
        assert reversed_words not in handout and reversed_words not in clinician
    assert "For" in handout and "from" in handout and "Session" in clinician and "with" in clinician
    assert re.search(r"For .*Alex.* and .*from", handout, re.S)


def test_every_template_isolates_the_names_it_prints():
    """A name printed bare in any template (page, email or PDF) can reverse the words after it: filter each one."""
    root = Path(__file__).resolve().parents[1] / "templates"
    bare = re.compile(r"\{\{[^}]*\b(?:name|display_name|couple_names)\s*\}\}")
    offenders = [f"{path.relative_to(root)}: {match.group(0)}"
                 for path in root.rglob("*.*") if path.suffix in {".html", ".txt"}
                 for match in bare.finditer(path.read_text())
                 if "|bdi" not in match.group(0) and "|isolate" not in match.group(0)
                 and "| bdi" not in match.group(0) and "| isolate" not in match.group(0)]
    assert offenders == []
