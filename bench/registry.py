"""What the benchmark builds and measures, in one place.

A feature that adds tables adds a generator (a function of `Build`) to
GENERATORS and its count to the sizes; a feature that adds pages or PDFs adds
them to PAGES and PDFS. Generators run in order, each in its own transaction,
and record the ids that pages need in `World.ids`.
"""

from __future__ import annotations

from bench import data, data_checkins, data_sessions
from bench.pages import CLINICIAN, PARTNER, Page
from bench.pdfs import PdfCase, clinician_copy, couple_handout

SMALL = data.Size("small", clinicians=1, couples=10, assignments_per_couple=25)
LARGE = data.Size("large", clinicians=40, couples=2_000, assignments_per_couple=25)
SIZES = {size.name: size for size in (SMALL, LARGE)}

GENERATORS = [
    data.practice_and_clinicians,
    data.library,
    data.couples_and_partners,
    data.homework,
    data_sessions.sessions,
    data_checkins.checkins,
]

PAGES = [
    # A signed-in page with a tiny fixed template: what every request pays before any page's own work.
    Page("reference: portal help", PARTNER, lambda ids: "/portal/support"),
    Page("clinician dashboard", CLINICIAN, lambda ids: "/dashboard"),
    Page("caseload, first page", CLINICIAN, lambda ids: "/couples/"),
    Page("caseload, search", CLINICIAN, lambda ids: f"/couples/?q={ids['search']}&status=all"),
    Page("couple page", CLINICIAN, lambda ids: f"/couples/{ids['couple']}"),
    Page("assignment review", CLINICIAN, lambda ids: f"/homework/{ids['reviewed_assignment']}"),
    Page("session notes (signed)", CLINICIAN, lambda ids: f"/sessions/{ids['signed_session']}"),
    Page("session notes (draft)", CLINICIAN, lambda ids: f"/sessions/{ids['draft_session']}"),
    Page("library, filtered", CLINICIAN, lambda ids: "/library/?area=hostility&stage=deescalation&max_minutes=30"),
    Page("portal home", PARTNER, lambda ids: "/portal/"),
    Page("portal answer form", PARTNER, lambda ids: f"/portal/homework/{ids['open_assignment']}"),
]

# Measured against bench.floor's minimal app, interleaved, in the same process.
REFERENCE = PAGES[0]

PDFS = [
    PdfCase("clinician copy", clinician_copy),
    PdfCase("couple handout", couple_handout),
]
