"""PDF summaries: WeasyPrint behind a locked-down URL fetcher, bounded renders and SVG charts.

The sessions feature calls `render_document("pdf/<copy>.html", page_size=...,
practice=..., confidential=..., **context)` and embeds charts from
`practice.pdf.charts` in its templates. Everything a view needs is here.
"""

from practice.pdf.drawing import fill_document, render_document, render_documents
from practice.pdf.errors import PdfError, PdfOutOfMemory, PdfTimeout, PdfTooLarge
from practice.pdf.render import RenderLimits, RenderTimings, render_pdf, render_pdf_bounded, render_pdfs_bounded

__all__ = [
    "PdfError",
    "PdfOutOfMemory",
    "PdfTimeout",
    "PdfTooLarge",
    "RenderLimits",
    "RenderTimings",
    "fill_document",
    "render_document",
    "render_documents",
    "render_pdf",
    "render_pdf_bounded",
    "render_pdfs_bounded",
]
