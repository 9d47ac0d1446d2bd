"""A couple's week end to end: a new therapist, two partners on their own devices, the review and the session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.helpers import assert_accessible, screenshot

pytestmark = pytest.mark.browser

SHARED, PRIVATE = "The feeling underneath", "Pausing without leaving"
OBSERVATION = "Kai leaned in when Robin named the fear of getting it wrong."
SUMMARY = "You both wrote about the same loop. This week, try naming it out loud when it starts."


def test_a_couple_does_their_homework_from_sign_up_to_the_handout(new_page, mailbox):
    therapist = new_page("desktop")
    steps.therapist_signs_up(therapist, mailbox, "ada.brook@example.org")
    steps.fill_crisis_numbers(therapist)
    steps.add_couple(therapist, ("Robin", "Kai"))
    steps.assign(therapist, SHARED, shared=True, note="Write as much or as little as feels right.")
    steps.assign(therapist, PRIVATE, shared=False)
    links = {name: steps.private_link(therapist, name) for name in ("Robin", "Kai")}
    assert links["Robin"] != links["Kai"]

    robin = new_page("phone")
    steps.partner_accepts(robin, links["Robin"], "robin@example.org")
    steps.open_homework(robin, SHARED)
    draft_survives_a_lost_connection(robin)
    steps.answer_everything(robin, "Robin, shared: I go quiet to keep the peace.")
    steps.send(robin)
    steps.open_homework(robin, SHARED)
    expect(robin.get_by_text("will appear here once you have both sent yours")).to_be_visible()
    robin.goto("/portal/")
    steps.open_homework(robin, PRIVATE)
    steps.answer_everything(robin, "Robin, private: I'm scared of getting it wrong.")
    steps.send(robin)

    kai = new_page("desktop")
    steps.partner_accepts(kai, links["Kai"], "kai@example.org")
    for title, voice in ((SHARED, "Kai, shared: I keep asking because I miss you."),
                         (PRIVATE, "Kai, private: I'm tired of being the one who asks.")):
        steps.open_homework(kai, title)
        steps.answer_everything(kai, voice)
        steps.send(kai)

    each_reads_the_other_only_where_shared(robin, me="Robin", other="Kai")
    each_reads_the_other_only_where_shared(kai, me="Kai", other="Robin")
    therapist_reviews_side_by_side(therapist)
    handout_reaches_the_couple_without_the_notes(therapist, robin)


def draft_survives_a_lost_connection(page) -> None:
    """Type, lose the network mid-sentence, see it said plainly, and get it saved on return."""
    first, second = page.locator("form.answer-form textarea").nth(0), page.locator("form.answer-form textarea").nth(1)
    status = page.locator("[data-save-status]")
    # fill() types the whole text at once: key by key, emulated touch screens sometimes drop keys.
    first.tap()
    first.fill("It started over the dishes")
    second.tap()  # leaving a field saves at once
    expect(status).to_contain_text("Draft saved at")

    page.context.set_offline(True)
    first.tap()
    first.fill("It started over the dishes, and then I went quiet.")
    second.tap()
    expect(status).to_contain_text("Not saved yet: you seem to be offline. Your text is safe on this page; retrying")
    screenshot(page, "journey-offline-phone")
    assert_accessible(page)

    page.context.set_offline(False)
    expect(status).to_contain_text("Draft saved at")
    page.reload()
    expect(first).to_have_value("It started over the dishes, and then I went quiet.")


def each_reads_the_other_only_where_shared(page, *, me: str, other: str) -> None:
    page.goto("/portal/")
    shared_list = page.get_by_role("region", name="Shared between you")
    expect(shared_list.get_by_role("link")).to_have_text([SHARED])

    steps.open_homework(page, SHARED)
    expect(page.get_by_text(f"{me}, shared").first).to_be_visible()
    expect(page.get_by_text(f"{other}, shared").first).to_be_visible()
    page.goto("/portal/")
    steps.open_homework(page, PRIVATE)
    expect(page.get_by_text(f"{me}, private").first).to_be_visible()
    assert f"{other}, private" not in page.content()


def therapist_reviews_side_by_side(page) -> None:
    page.get_by_role("link", name="What's new").click()
    page.get_by_role("link", name=f"Robin & Kai: {SHARED}").first.click()
    answers = page.get_by_role("region", name="Answers side by side")
    expect(answers.get_by_role("columnheader")).to_have_text(["Question", "Robin", "Kai"])
    expect(answers.get_by_text("Robin, shared").first).to_be_visible()
    expect(answers.get_by_text("Kai, shared").first).to_be_visible()
    page.get_by_label("Private note").fill("Both name the same loop. Start there next session.")
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text("Marked as reviewed.")).to_be_visible()
    expect(page.get_by_label("Private note")).to_have_value("Both name the same loop. Start there next session.")
    screenshot(page, "journey-review-desktop")


def handout_reaches_the_couple_without_the_notes(therapist, partner) -> None:
    therapist.get_by_role("button", name="Robin & Kai").click()
    steps.record_session(therapist, "Robin & Kai")
    steps.sign_and_release(therapist, observations=OBSERVATION, summary=SUMMARY)
    screenshot(therapist, "journey-signed-session-desktop")

    clinician_copy = steps.download_pdf_text(therapist, therapist.get_by_role("button", name="Download the clinician copy"))
    assert OBSERVATION in clinician_copy and SUMMARY in clinician_copy and "Confidential" in clinician_copy
    handout_preview = steps.download_pdf_text(therapist, therapist.get_by_role("button", name="Download the couple handout"))
    assert SUMMARY in handout_preview and OBSERVATION not in handout_preview

    partner.goto("/portal/")
    handouts = partner.get_by_role("region", name="Handouts")
    handout = steps.download_pdf_text(partner, handouts.get_by_role("link", name=re.compile("^Session on")))
    assert SUMMARY in handout and OBSERVATION not in handout
