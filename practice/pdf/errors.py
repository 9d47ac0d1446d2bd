"""Why a PDF could not be made, in words a clinician can act on."""

from __future__ import annotations

from practice.domain import DomainError


class PdfError(DomainError):
    """A PDF could not be made; the request and the worker carry on."""


class PdfTooLarge(PdfError):
    """The document's HTML is over the configured size, so it is not rendered at all."""


class PdfTimeout(PdfError):
    """Rendering took longer than the configured wall-time limit and was stopped."""


class PdfOutOfMemory(PdfError):
    """Rendering needed more memory than the configured limit and was stopped."""
