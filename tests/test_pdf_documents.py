"""PDF documents from templates: letterhead, page furniture, paper sizes, hostile text."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from practice.pdf import PdfTooLarge, RenderTimings, render_document
from practice.pdf.fetcher import ASSET_BASE_URL
from tests.factories import LETTERHEAD
from tests.reading import connection_attempted, pdf_pages

SUMMARY = """{% extends "pdf/base.html" %}
{% block title %}Session 5 summary{% endblock %}
{% block content %}
<h1>Session 5 summary</h1>
{% for prompt in prompts %}
  <div class="item">
    <p class="prompt">{{ prompt }}</p>
    <table class="answers">
      <thead><tr><th>Zoë</th><th>Łukasz</th></tr></thead>
      <tbody><tr><td class="user-text">{{ answer }}</td><td class="user-text">{{ answer }}</td></tr></tbody>
    </table>
  </div>
{% endfor %}
{% for note in notes %}<p class="user-text">{{ note }}</p>{% endfor %}
{% endblock %}"""

ANSWER = "We walked by the river on Sunday.\nIt felt easier to talk side by side."
ASSETS = {
    ASSET_BASE_URL + path
    for path in (
        "print.css",
        "fonts/DejaVuSans.ttf",
        "fonts/DejaVuSans-Bold.ttf",
        "fonts/DroidSansFallback.ttf",
    )
}


def summary(app, *, prompts=(), notes=(), **options) -> bytes:
    """Render the test summary in this process (so a fetcher spy sees every request)."""
    with app.app_context():
        template = app.jinja_env.from_string(SUMMARY)
        return render_document(
            template, practice=LETTERHEAD, prompts=prompts, notes=notes, answer=ANSWER,
            bounded=False, **options,
        )


PROMPTS = [f"Prompt {n}: when did you feel closest to your partner this week?" for n in range(1, 31)]


@pytest.fixture(scope="module")
def clinician_copy(app) -> list[str]:
    return pdf_pages(summary(app, prompts=PROMPTS, confidential=True))


@pytest.fixture(scope="module")
def couple_handout(app) -> list[str]:
    return pdf_pages(summary(app, prompts=PROMPTS))


def test_every_page_of_the_clinician_copy_says_confidential_and_page_x_of_y(clinician_copy):
    count = len(clinician_copy)
    assert count >= 3
    for number, text in enumerate(clinician_copy, start=1):
        assert "Confidential: clinician copy" in text
        assert f"Page {number} of {count}" in text


def test_the_couple_handout_is_numbered_but_never_marked_confidential(couple_handout):
    count = len(couple_handout)
    assert count >= 3
    for number, text in enumerate(couple_handout, start=1):
        assert "Confidential" not in text
        assert f"Page {number} of {count}" in text


def test_letterhead_on_page_one_and_running_header_after(clinician_copy):
    first, *later = clinician_copy
    assert first.count(LETTERHEAD["name"]) == 1  # the letterhead, no running header
    assert "12 Quay Street" in first and "0117 496 0000" in first
    for text in later:
        assert LETTERHEAD["name"] in text and "Session 5 summary" in text
        assert "12 Quay Street" not in text


def test_a_prompt_is_never_split_from_its_answers(clinician_copy):
    for text in clinician_copy:
        prompts = text.count("when did you feel closest")
        assert prompts >= 1
        assert text.count("It felt easier to talk") == 2 * prompts


@pytest.mark.parametrize(
    ("page_size", "width", "height"), [("a4", 595.28, 841.89), ("letter", 612, 792)]
)
def test_paper_size_follows_the_parameter_on_every_page(app, page_size, width, height):
    pdf = summary(app, prompts=PROMPTS[:12], page_size=page_size, confidential=True)
    pages = PdfReader(BytesIO(pdf)).pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert float(page.mediabox.width) == pytest.approx(width, abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(height, abs=0.01)
        text = page.extract_text()
        assert f"Page {number} of {len(pages)}" in text and "Confidential" in text
        assert text.count(LETTERHEAD["name"]) == 1  # letterhead on page one, header after


def test_an_unknown_paper_size_is_refused(app):
    with pytest.raises(ValueError, match="legal"):
        summary(app, page_size="legal")


def test_hostile_text_is_printed_literally_and_nothing_is_fetched(app, fetched, listener):
    port = listener.getsockname()[1]
    hostile = [
        '<img src="file:///etc/passwd">',
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">',
        f"<script>fetch('http://127.0.0.1:{port}/')</script>",
        f"<style>@import url(http://127.0.0.1:{port}/i.css);</style>",
        '<a rel="attachment" href="print.css">notes</a>',
        "</p></main></body></html><p>after the end",
    ]
    long_note = "Zoë said <b>this</b> & that. " * 3500  # 105 KB
    pdf = summary(app, notes=[*hostile, long_note], confidential=True)

    text = "\n".join(pdf_pages(pdf))
    for line in hostile:
        assert line in text
    assert text.count("<b>this</b> & that.") == 3500
    assert {url for url, _ in fetched} == ASSETS and all(served for _, served in fetched)
    assert not connection_attempted(listener)
    assert "/EmbeddedFiles" not in str(PdfReader(BytesIO(pdf)).trailer["/Root"])


def test_timings_split_html_from_weasyprint(app):
    timings = RenderTimings()
    summary(app, prompts=PROMPTS[:2], timings=timings)
    assert timings.html > 0 and timings.layout > 0 and timings.write > 0
    assert timings.process == 0  # rendered in this process
    assert timings.total == pytest.approx(timings.html + timings.layout + timings.write)


def test_html_over_the_configured_limit_is_refused_before_any_rendering(app, monkeypatch, fetched):
    monkeypatch.setitem(app.config, "PDF_MAX_HTML_BYTES", 20_000)
    with pytest.raises(PdfTooLarge, match="too large"):
        summary(app, notes=["李" * 7_000])  # 7,000 characters, 21,000 bytes
    assert fetched == []
