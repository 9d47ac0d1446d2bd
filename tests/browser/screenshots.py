"""`make screenshots`: the README's pictures, taken in Chromium from a freshly built demo practice.

Usage: python -m tests.browser.screenshots docs/screenshots
Builds a throw-away instance (db upgrade, library sync, seed-demo), serves
it, walks to each page with clicks as a person would, and saves small PNGs.
"""

from __future__ import annotations

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


def open_page(browser, url: str, screen: str, email: str, *, portal: bool = False):
    page = browser.new_context(base_url=url, **chromium.SCREENS[screen]).new_page()
    sign_in(page, email, portal=portal)
    return page


def save(page, path: Path) -> None:
    """The first screen, as a 256-colour PNG: interface pictures lose nothing visible and shrink a lot."""
    page.screenshot(path=path)
    Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{path} is {size // 1024} KB, over the {MAX_BYTES // 1024} KB the README allows.")
    print(f"  {path} ({size // 1024} KB)")


def main(target: Path) -> None:
    reason = chromium.missing_reason()
    if reason:
        raise SystemExit(reason)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as instance, LiveServer(Path(instance)) as server, sync_playwright() as pw:
        browser = chromium.launch(pw)
        therapist_review(browser, server.url, target)
        partner_on_a_phone(browser, server.url, target)
        browser.close()
    print("PDF page: not taken yet; it joins when the session summary PDFs can be downloaded.")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
