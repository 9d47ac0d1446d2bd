"""Steps people take in Twofold, with real clicks and typing, for flows to chain.

Each step starts on the page the previous one left and leaves the browser
where a person would be next. New features add their steps here and a flow
calls them.
"""

from __future__ import annotations

import re
from io import BytesIO

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.helpers import Mailbox, assert_accessible

NEW_PASSWORD = "a quiet walk by the river at dusk"


def therapist_signs_up(page, mailbox: Mailbox, email: str, name: str = "Dr. Ada Brook") -> None:
    """Sign up, open the confirmation link from the email, and land signed in on the practice page."""
    page.goto("/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Credentials").fill("LMFT")
    page.get_by_label("Practice name").fill("Brook Couples Counselling")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    page.goto(mailbox.link_to(email))
    page.wait_for_url(re.compile(r"/practice/$"))


def fill_crisis_numbers(page) -> None:
    """On the practice page: the three crisis numbers partners will see, needed before anyone is invited."""
    for line, name, number in (("Emergency number", "Emergency services", "999"),
                               ("Crisis line", "Listening line", "116 123"),
                               ("Domestic-violence line", "Safe at home helpline", "0808 2000 247")):
        page.get_by_label(f"{line}: name", exact=True).fill(name)
        page.get_by_label(f"{line}: number", exact=True).fill(number)
    page.get_by_role("button", name="Save practice details").click()
    page.get_by_text("The practice details are saved.").wait_for()


def add_couple(page, names: tuple[str, str]) -> None:
    """From anywhere: Couples, Add a couple, fill the form, and land on the couple's page."""
    page.get_by_role("link", name="Couples", exact=True).click()
    page.get_by_role("button", name="Add a couple").first.click()
    for position, name in enumerate(names, start=1):
        page.get_by_role("group", name=f"Partner {position}").get_by_label("Name").fill(name)
    page.get_by_label("Stonewalling").check()
    page.get_by_role("button", name="Save couple").click()
    page.get_by_role("heading", name=" & ".join(names), level=1).wait_for()


def assign(page, title: str, *, shared: bool, note: str = "") -> None:
    """From the couple's page: assign an exercise to both partners and come back."""
    page.get_by_role("button", name="Assign homework").click()
    page.get_by_role("searchbox", name="Search titles and purposes").fill(title)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("region", name="Or choose any exercise").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("radio", name=re.compile(r"^Both")).check()
    if note:
        page.get_by_label("Note to the couple").fill(note)
    page.get_by_label("Shared between partners" if shared else "Therapist only").check()
    page.get_by_role("button", name="Assign homework").click()
    page.get_by_text(f"“{title}” is on its way").wait_for()


def private_link(page, partner: str) -> str:
    """From the couple's page: create a partner's private link and copy it from the page."""
    row = page.locator("article.access-row", has=page.get_by_role("heading", name=partner))
    row.get_by_role("button", name="Create their private link").click()
    row = page.locator("article.access-row", has=page.get_by_role("heading", name=partner))
    return row.locator(".copy-link").inner_text().strip()


def partner_accepts(page, link: str, email: str) -> None:
    """Open the private link, choose email and password, and land in the portal."""
    page.goto(link)
    page.get_by_label("Your email").fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save and open my space").click()
    page.wait_for_url(re.compile(r"/portal/$"))


def open_homework(page, title: str) -> None:
    """From the portal home: open the exercise."""
    press(page, page.get_by_role("link", name=title).first)
    page.get_by_role("heading", name=title, level=1).wait_for()


def answer_everything(page, voice: str) -> None:
    """Fill every prompt on the answer form: each text with `voice`, the first option of each choice."""
    for prompt in page.locator("form.answer-form .prompt").all():
        text = prompt.locator("textarea, input[type=text]")
        if text.count():
            text.first.fill(voice)
        else:
            prompt.locator("input[type=radio], input[type=checkbox]").first.check()


def send(page) -> None:
    """Send the answers to the therapist and land back on the portal home."""
    press(page, page.get_by_role("button", name="Send to my therapist"))
    page.get_by_text("Sent. Thank you for taking the time").wait_for()


def record_session(page, couple: str) -> None:
    """From the couple's page: record today's session and land on its draft note."""
    page.get_by_role("button", name="Record a session").click()
    page.get_by_role("button", name="Record session").click()
    expect(page.get_by_text("Its note stays a draft until you sign it.")).to_be_visible()
    expect(page).to_have_title(re.compile(re.escape(couple)))


def sign_and_release(page, *, observations: str, summary: str) -> None:
    """On a draft note: write it, sign it, and release the couple's handout."""
    page.get_by_label("Focus").fill("Reading the homework together.")
    page.get_by_label("Observations").fill(observations)
    page.get_by_label("Summary for the couple").fill(summary)
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_role("heading", name=re.compile("^Sign and lock session"))).to_be_visible()  # confirm it
    assert_accessible(page, "on the sign confirmation")
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_text("Signed and locked.")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Release the handout")).click()  # a link styled as a button
    expect(page.get_by_role("heading", name=re.compile("^Release the handout"))).to_be_visible()
    page.get_by_role("button", name="Release the handout").click()
    expect(page.get_by_text("The handout is now in")).to_be_visible()


def download_pdf_text(page, link) -> str:
    """Press a download link; the PDF's text, all pages."""
    with page.expect_download() as started:
        press(page, link)
    pdf = started.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    return " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)


def press(page, target) -> None:
    """Tap on a touch screen, click with a mouse elsewhere."""
    if page.evaluate("() => navigator.maxTouchPoints > 0"):
        target.tap()
    else:
        target.click()
