"""`make screenshots`: the README's pictures, taken in Chromium from a freshly built demo practice.

Usage: python -m tests.browser.screenshots docs/screenshots
Builds a throw-away instance (db upgrade, library sync, seed-demo), serves
it, walks to each page with clicks as a person would, and saves small PNGs.
The PDF page is the couple's handout as Alex downloads it, drawn by pdftoppm.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from tests.browser import chromium
from tests.browser.helpers import ALEX, THERAPIST, sign_in
from tests.browser.server import LiveServer

MAX_BYTES = 300 * 1024


def therapist_review(browser, url: str, target: Path) -> None:
    page = open_page(browser, url, "desktop", THERAPIST)
    page.get_by_role("link", name="Couples", exact=True).click()
    page.get_by_role("link", name="Alex & Sam").click()
    page.get_by_role("link", name="Seeing our cycle").click()
    save(page, target / "therapist-review.png")


def partner_on_a_phone(browser, url: str, target: Path) -> None:
    page = open_page(browser, url, "phone", ALEX, portal=True)
    save(page, target / "portal-home-phone.png")
    page.get_by_role("link", name="The feeling underneath").tap()
    page.locator("form.answer-form").evaluate("form => form.scrollIntoView()")  # past the introduction
    save(page, target / "answer-form-phone.png")
    page.goto("/portal/")
    with page.expect_download() as started:
        page.get_by_role("region", name="Handouts").get_by_role("link").first.tap()
    first_pdf_page(started.value.path(), target / "handout-pdf.png")


def first_pdf_page(pdf: Path, path: Path) -> None:
    """Draw page 1 of a PDF at a readable size, then shrink it like the other pictures."""
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(path.with_suffix(""))], check=True)
    shrink(path)


def open_page(browser, url: str, screen: str, email: str, *, portal: bool = False):
    page = browser.new_context(base_url=url, **chromium.SCREENS[screen]).new_page()
    sign_in(page, email, portal=portal)
    return page


def save(page, path: Path) -> None:
    """The first screen of the page."""
    page.screenshot(path=path)
    shrink(path)


def shrink(path: Path) -> None:
    """Keep 256 colours: interface pictures lose nothing visible and shrink a lot."""
    Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{path} is {size // 1024} KB, over the {MAX_BYTES // 1024} KB the README allows.")
    print(f"  {path} ({size // 1024} KB)")


def main(target: Path) -> None:
    reason = chromium.missing_reason()
    if reason:
        raise SystemExit(reason)
    if not shutil.which("pdftoppm"):
        raise SystemExit("pdftoppm draws the PDF page: install it with `apt-get install -y poppler-utils`.")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as instance, LiveServer(Path(instance)) as server, sync_playwright() as pw:
        browser = chromium.launch(pw)
        therapist_review(browser, server.url, target)
        partner_on_a_phone(browser, server.url, target)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
