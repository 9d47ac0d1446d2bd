"""Hostile notes and answers print as the literal text they are, and make the renderer fetch nothing."""

from __future__ import annotations

import pytest

from practice.documents.session_pdfs import clinician_copy, couple_handout
from practice.pdf.fetcher import ASSET_BASE_URL
from practice.portal.homework import submit
from practice.sessions.services import save_draft
from tests.homework_helpers import give_homework, make_world
from tests.reading import connection_attempted, pdf_pages
from tests.session_helpers import draft, record_session

LONG = ("We talked for a long time about the week. " * 2400)[:100_000]  # 100 KB


def squeezed(*texts: str) -> str:
    """Text without whitespace, as a line wrapped anywhere in the PDF still reads."""
    return "".join("".join(texts).split())


def hostile(port: int) -> str:
    return (f'<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
            f'<script>document.title="owned"</script> <img src="http://127.0.0.1:{port}/pixel.png">')


def session_with(note: str, answer: str, observations: str | None = None):
    """A draft session whose notes, summary and reviewed answers hold the given text."""
    world = make_world(("José", "李"))
    assignment = give_homework(world, due_in=0)
    for response in assignment.responses:
        submit(response, response.version, {"story": answer, "close": 3})
    session = record_session(world)
    save_draft(session, session.version, draft(
        session, focus=note, interventions_other=note, plan=note, observations=observations or note, couple_summary=note,
        reviewed=[assignment.id],
    ))
    return session


def test_hostile_text_is_printed_literally_and_nothing_is_fetched(app, fetched, listener):
    port = listener.getsockname()[1]
    session = session_with(hostile(port), hostile(port))

    # In this process, not the bounded child, so the `fetched` spy sees every URL WeasyPrint asks for.
    clinician = pdf_pages(clinician_copy(session, bounded=False))
    handout = pdf_pages(couple_handout(session, bounded=False))

    assert not connection_attempted(listener)
    assert fetched and all(served and url.startswith(ASSET_BASE_URL) for url, served in fetched)
    printed = squeezed(hostile(port))
    assert squeezed(*handout).count(printed) == 1  # the summary
    assert squeezed(*clinician).count(printed) == 7  # five notes and two answers
    clinician_text = "".join(clinician)
    assert "Session 1 with José & 李" in clinician_text and "Unsigned draft" in clinician_text
    assert "For José and 李" in handout[0]


@pytest.mark.slow
def test_a_hundred_kilobytes_of_notes_still_make_a_pdf_through_the_bounded_renderer(app, listener):
    port = listener.getsockname()[1]
    session = session_with(hostile(port), hostile(port), observations=LONG + hostile(port))
    pages = pdf_pages(clinician_copy(session))
    assert len(pages) > 20 and "Unsigned draft" in pages[-1]
    assert not connection_attempted(listener)
