"""render_pdf: even raw, unescaped hostile markup can only reach our own assets."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from practice.pdf import PdfTooLarge, RenderLimits, render_pdf
from practice.pdf.fetcher import ASSET_BASE_URL
from tests.reading import connection_attempted, pdf_pages


def hostile_page(port: int) -> str:
    """Markup that tries every way WeasyPrint has of loading or embedding something."""
    origin = f"http://127.0.0.1:{port}"
    return f"""<!doctype html><html><head>
      <link rel="stylesheet" href="print.css">
      <link rel="stylesheet" href="{origin}/sheet.css">
      <link rel="attachment" href="print.css">
      <style>
        @import url("{origin}/import.css");
        @font-face {{ font-family: Stolen; src: url(file:///etc/passwd); }}
        body {{ background: url(file:///etc/passwd); }}
      </style>
    </head><body>
      <img src="file:///etc/passwd" alt="">
      <img src="{origin}/pixel.png" alt="">
      <img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E" alt="">
      <object data="ftp://127.0.0.1:{port}/x"></object>
      <svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>
      <a rel="attachment" href="print.css">attached?</a>
      <p>Only this text belongs here.</p>
    </body></html>"""


def test_raw_hostile_markup_reaches_nothing_but_our_assets(fetched, listener):
    pdf = render_pdf(hostile_page(listener.getsockname()[1]))

    served = {url for url, ok in fetched if ok}
    refused = {url.split(":", 1)[0] for url, ok in fetched if not ok}
    assert served <= {ASSET_BASE_URL + "print.css"} | {
        ASSET_BASE_URL + f"fonts/{name}.ttf"
        for name in ("DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback")
    }
    assert refused == {"http", "file", "data", "ftp"}
    assert not connection_attempted(listener)
    assert "Only this text belongs here." in pdf_pages(pdf)[0]


def test_attachment_links_embed_nothing_even_for_our_own_assets(listener):
    reader = PdfReader(BytesIO(render_pdf(hostile_page(listener.getsockname()[1]))))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    for page in reader.pages:
        annotations = [a.get_object() for a in page.get("/Annots", [])]
        assert all(a["/Subtype"] != "/FileAttachment" for a in annotations)


def test_html_over_the_limit_is_refused_by_its_size_in_bytes():
    limits = RenderLimits(max_html_bytes=3_000)
    assert render_pdf("<p>" + "a" * 2_000 + "</p>", limits=limits).startswith(b"%PDF")
    with pytest.raises(PdfTooLarge, match="the limit is 3 KB"):
        render_pdf("<p>" + "李" * 1_000 + "</p>", limits=limits)  # 1,000 characters, 3,007 bytes
