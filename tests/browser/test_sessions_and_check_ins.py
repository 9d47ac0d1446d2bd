"""After the homework: a signed session note, its PDFs and handout, and a check-in's safety answer.

These continue the journey in test_journey.py on the demo couple, so each
starts where a real week with Alex & Sam would be.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser import steps
from tests.browser.helpers import ALEX, COLLEAGUE, SAM, THERAPIST, assert_accessible, screenshot

pytestmark = pytest.mark.browser

OBSERVATION = "Alex stayed in the room for the whole of the hard part."
SUMMARY = "You both noticed the pause helping on Tuesday. Keep trying it when voices rise."


def test_the_note_is_signed_and_the_handout_reaches_the_couple_without_the_notes(new_page, demo):
    therapist = new_page("desktop", who=THERAPIST)
    therapist.goto(f"/couples/{demo.couple_id}")
    therapist.get_by_role("link", name="Session 3", exact=True).click()  # the demo's unsigned draft
    therapist.get_by_label("Observations").fill(OBSERVATION)
    therapist.get_by_label("Summary for the couple").fill(SUMMARY)
    assert_accessible(therapist, "on the draft note")
    therapist.get_by_role("button", name="Sign and lock").click()
    expect(therapist.get_by_text("Signed and locked.")).to_be_visible()
    therapist.get_by_role("button", name="Release the handout to Alex & Sam").click()
    expect(therapist.get_by_text("The handout is now in Alex & Sam's portal")).to_be_visible()
    screenshot(therapist, "signed-session-desktop")
    assert_accessible(therapist, "on the signed note")

    clinician_copy = pdf_text(download(therapist, therapist.get_by_role("button", name="Download the clinician copy")))
    assert OBSERVATION in clinician_copy and "Confidential" in clinician_copy
    couple_copy = pdf_text(download(therapist, therapist.get_by_role("button", name="Preview the couple handout")))
    assert SUMMARY in couple_copy and OBSERVATION not in couple_copy

    alex = new_page("phone", who=ALEX)
    alex.goto("/portal/")
    handouts = alex.get_by_role("region", name="Handouts")
    handout = pdf_text(download(alex, handouts.get_by_role("link", name=re.compile("^Session on")).first))
    assert SUMMARY in handout and OBSERVATION not in handout


def test_a_safety_answer_reaches_only_the_couples_clinician(new_page):
    alex = new_page("phone", who=ALEX)
    alex.goto("/portal/")
    steps.press(alex, alex.get_by_role("link", name="How are things between you?"))
    alex.get_by_role("heading", name="Your check-in").wait_for()
    steps.answer_everything(alex, "Mostly quieter weeks.")
    alex.get_by_role("radio", name="Yes", exact=True).check()
    steps.press(alex, alex.get_by_role("button", name="Send to my therapist"))
    expect(alex.get_by_role("heading", name="Thank you for telling us")).to_be_visible()
    expect(alex.get_by_text("988 Suicide & Crisis Lifeline")).to_be_visible()
    assert_accessible(alex, "on the support page after a safety answer")

    therapist = new_page("desktop", who=THERAPIST)
    therapist.goto("/dashboard")
    therapist.get_by_role("link", name="Alex & Sam: Alex answered “Yes”").click()
    expect(therapist.get_by_text("Mostly quieter weeks.")).to_be_visible()
    assert_accessible(therapist, "on the safety flag")

    colleague = new_page("desktop", who=COLLEAGUE)
    colleague.goto("/dashboard")
    expect(colleague.get_by_role("heading", name="What's new")).to_be_visible()
    assert "Alex answered" not in colleague.content()
    sam = new_page("phone", who=SAM)
    for page in ("/portal/", "/portal/check-in"):
        sam.goto(page)
        assert "Alex answered" not in sam.content() and "Mostly quieter weeks." not in sam.content()


def download(page, link) -> bytes:
    """Click a download link and return the file's bytes."""
    with page.expect_download() as started:
        steps.press(page, link)
    return started.value.path().read_bytes()


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
