"""The two session PDFs, read back as text: what each must hold, and what the handout must never hold.

One session with everything filled in is rendered once per copy (bounded, as
the app renders) and the tests read the extracted text. Planted words mark
each private part, so their absence from the handout is checked word by word.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from practice.documents.session_pdfs import render_copy
from practice.extensions import db
from practice.portal.homework import save_draft, submit
from practice.sessions.services import add_amendment, release_handout, sign
from tests.database import wipe_database
from tests.factories import LETTERHEAD, make_exercise
from tests.homework_helpers import give_homework, make_world
from tests.reading import pdf_pages
from tests.session_helpers import draft, record_session, signed_session

PRIVATE = {
    "focus": "Zqfocusnote",
    "interventions_other": "Zqotherintervention",
    "observations": "Zqobservation",
    "plan": "Zqplanprivate",
    "amendment": "Zqamendment",
    "alex_answer": "Zqalexanswer",
    "sam_answer": "Zqsamanswer",
    "unsent_draft": "Zqunsentdraft",
    "review_comment": "Zqreviewcomment",
}
FOR_THE_COUPLE = {"summary": "Zqsummaryforyou", "note": "Zqnotetocouple", "crisis": "Zqcrisisline"}
CLINICAL_LABELS = ("Tracking the cycle", "Enactment", "Observations", "Amended", "Confidential", "conversation starter")


def answers(story: str, close: int) -> dict:
    return {"story": story, "word": "tired", "close": close, "talk": "yes", "kinds": ["hug"],
            "log": [{"moment": "a walk"}, {}, {}]}


def full_session(names=("Zoë", "Łukasz"), page_size: str = "a4"):
    """A signed, amended, released session with homework reviewed (sent and unsent) and set."""
    world = make_world(names)
    practice = world.clinician.practice
    practice.name, practice.address, practice.phone = LETTERHEAD["name"], LETTERHEAD["address"], LETTERHEAD["phone"]
    practice.crisis_resources, practice.page_size = f"Crisis line {FOR_THE_COUPLE['crisis']}: 0800 123 456", page_size
    world.clinician.credentials = "LMFT"
    reviewed, unsent = give_homework(world, due_in=0), give_homework(world, due_in=0)
    for response, story, close in zip(reviewed.responses, (PRIVATE["alex_answer"], PRIVATE["sam_answer"]), (1, 5)):
        submit(response, response.version, answers(story, close))
    reviewed.review_comment = PRIVATE["review_comment"]
    alex_draft, sam_sent = unsent.responses  # a draft right beside a sent answer: the draft must not print
    save_draft(alex_draft, alex_draft.version, answers(PRIVATE["unsent_draft"], 6))
    submit(sam_sent, sam_sent.version, answers("Sam sent this one", 4))
    kindness = make_exercise(world.clinician, title="Noticing small kindnesses")
    new = give_homework(world, exercise=kindness)
    new.note = FOR_THE_COUPLE["note"]
    db.session.commit()
    session = record_session(world)
    notes = {key: PRIVATE[key] for key in ("focus", "interventions_other", "observations", "plan")}
    sign(session, world.clinician, session.version, draft(
        session, **notes, interventions=["tracking_cycle", "enactment"], couple_summary=FOR_THE_COUPLE["summary"],
        reviewed=[reviewed.id, unsent.id], assigned=[new.id],
    ))
    add_amendment(session, world.clinician, PRIVATE["amendment"])
    release_handout(session)
    return session


@pytest.fixture(scope="module")
def pdfs(app) -> dict[str, bytes]:
    with app.app_context():
        session = full_session()
        rendered = {copy: render_copy(session, copy) for copy in ("clinician", "couple")}
        wipe_database()
    return rendered


@pytest.fixture(scope="module")
def clinician_copy(pdfs) -> list[str]:
    return pdf_pages(pdfs["clinician"])


@pytest.fixture(scope="module")
def handout(pdfs) -> list[str]:
    return pdf_pages(pdfs["couple"])


def squeezed(pages: list[str]) -> str:
    """All text without whitespace, so a word broken across lines still counts as present."""
    return "".join("".join(pages).split())


def test_the_clinician_copy_holds_the_whole_session(clinician_copy):
    text = "\n".join(clinician_copy)
    for expected in (*LETTERHEAD["address"].split("\n"), LETTERHEAD["name"], LETTERHEAD["phone"],
                     "Session 1 with Zoë & Łukasz", "In person", "Both partners", "Dr. Reyes, LMFT",
                     "Tracking the cycle", "Enactment", FOR_THE_COUPLE["summary"], "Noticing small kindnesses"):
        assert expected in text, expected
    squeezed_text = squeezed(clinician_copy)
    for word in set(PRIVATE.values()) - {PRIVATE["unsent_draft"]}:
        assert word in squeezed_text, word
    assert "Amended" in text and "Signed by Dr. Reyes, LMFT on" in text


def test_the_clinician_copy_puts_sent_answers_side_by_side_with_the_conversation_starter(clinician_copy):
    text = "\n".join(clinician_copy)
    assert "Zoë Łukasz" in text  # the answer table's column heads
    assert "(conversation starter: ratings 1 and 5)" in text
    assert "1 of 6" in text and "5 of 6" in text
    assert "Sam sent this one" in text and "Not sent" in text  # Zoë only drafted hers


def test_the_clinician_copy_never_shows_an_unsent_draft(clinician_copy):
    assert PRIVATE["unsent_draft"] not in squeezed(clinician_copy)


def test_the_clinician_copy_charts_homework_sent_per_partner(clinician_copy):
    text = "\n".join(clinician_copy)
    assert "Session 1" in text and "1/2" in text and "2/2" in text  # Zoë sent one of two, Łukasz both


def test_every_page_of_the_clinician_copy_is_confidential_and_numbered(clinician_copy):
    for number, text in enumerate(clinician_copy, start=1):
        assert "Confidential: clinician copy" in text
        assert f"Page {number} of {len(clinician_copy)}" in text


def test_the_handout_holds_the_summary_new_homework_a_kind_close_and_crisis_resources(handout):
    text = "\n".join(handout)
    for expected in ("Your session on", "For Zoë and Łukasz, from Dr. Reyes, LMFT", "Noticing small kindnesses",
                     "please finish by", "Thank you both", "If you feel unsafe or in crisis", "0800 123 456"):
        assert expected in text, expected
    assert "write down one kind thing" in text  # the exercise's Markdown instructions, as text
    squeezed_text = squeezed(handout)
    assert all(word in squeezed_text for word in FOR_THE_COUPLE.values())
    assert f"Page 1 of {len(handout)}" in handout[0]


@pytest.mark.parametrize("part", sorted(PRIVATE))
def test_the_handout_never_holds_a_private_part(handout, part):
    assert PRIVATE[part].lower() not in squeezed(handout).lower()


@pytest.mark.parametrize("label", CLINICAL_LABELS)
def test_the_handout_never_names_clinical_content(handout, label):
    assert label.lower() not in "\n".join(handout).lower()


def test_paper_follows_the_practice_setting(pdfs):
    a4 = PdfReader(BytesIO(pdfs["couple"])).pages[0].mediabox
    assert (round(a4.width), round(a4.height)) == (595, 842)
    letter = PdfReader(BytesIO(render_copy(full_session(page_size="letter"), "couple"))).pages[0].mediabox
    assert (round(letter.width), round(letter.height)) == (612, 792)


def test_check_in_progress_is_in_the_clinician_copy_only(clinician_copy, handout):
    assert "Check-inprogress" in squeezed(clinician_copy)
    assert "Check-inprogress" not in squeezed(handout) and "check-insovertime" not in squeezed(handout)


@pytest.mark.parametrize("mode, consents, shown", [
    ("", (True, True), False), ("couple_combined", (True, True), True), ("couple_both", (True, True), True),
    ("couple_combined", (True, False), False), ("couple_both", (False, True), False),
    ("couple_both", (False, False), False),
])
def test_the_handout_shows_progress_only_when_asked_and_both_partners_agreed(app, mode, consents, shown):
    with app.app_context():
        world = make_world(("Ana", "Ben"))
        session = signed_session(world)
        session.handout_progress = mode
        for partner, yes in zip(world.couple.partners, consents, strict=True):
            partner.shares_checkin_scores = yes
        db.session.commit()
        text = squeezed(pdf_pages(render_copy(session, "couple", bounded=False)))
        wipe_database()
    assert ("Yourcheck-insovertime" in text) == shown
    assert "Check-inprogress" not in text and "Safety" not in text
