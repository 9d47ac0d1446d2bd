"""A file that goes into a couple's record export, kept apart so features can produce them without cycles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    """A file to put in the export, at `path` inside the ZIP (relative, forward slashes)."""

    path: str
    media_type: str
    content: bytes
