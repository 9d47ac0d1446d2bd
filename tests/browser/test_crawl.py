"""Every page each demo role can reach, found by following links (never listed by hand), at 320, 390 and 1,366 px.

On each: no sideways scrolling at any width, every control at least 24 x 24 px (WCAG 2.2, 2.5.8),
no error in the console, and axe-core clean on the phone. Links that change state or leave
(sign out, quick exit) and downloads are not followed.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

import pytest

from tests.browser.helpers import ALEX, COLLEAGUE, SAM, THERAPIST, assert_accessible

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1366)
MOST_PAGES = 60  # per role: the demo has fewer, so a crawl that grows past this has found a loop
NOT_FOLLOWED = ("/logout", "/portal/logout", "/exit", "/weather", "/static/")
DOWNLOADS = (".pdf", "/download", ".csv")
START = {THERAPIST: "/dashboard", COLLEAGUE: "/dashboard", ALEX: "/portal/", SAM: "/portal/"}

# Controls smaller than 24 px: links inside running text are exempt (2.5.8's inline exception).
SMALL_CONTROLS = """() => [...document.querySelectorAll(
    'button, [role=button], input:not([type=hidden]), select, textarea, nav a, summary')]
  .filter(e => !e.closest('.visually-hidden') && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .filter(e => { const r = e.getBoundingClientRect(); return r.width < 24 || r.height < 24; })
  .filter(e => !(e.type === 'radio' || e.type === 'checkbox') || !e.closest('label')
               || (() => { const r = e.closest('label').getBoundingClientRect(); return r.width < 24 || r.height < 24; })())
  .map(e => e.outerHTML.slice(0, 120))"""
LINKS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"


def crawl(page, origin: str, start: str) -> list[str]:
    """Same-origin pages reachable by links from `start`, in the order found."""
    seen, queue = [], [start]
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = page.goto(path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        seen.append(path)
        for href in page.evaluate(LINKS):
            url, _ = urldefrag(href)
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" != origin:
                continue
            found = parts.path + (f"?{parts.query}" if parts.query else "")
            if found.startswith(NOT_FOLLOWED) or parts.path.endswith(DOWNLOADS) or "/download" in parts.path:
                continue
            if found not in seen and found not in queue:
                queue.append(found)
    return seen


@pytest.mark.parametrize("who", [THERAPIST, COLLEAGUE, ALEX, SAM])
def test_every_reachable_page_fits_every_width_with_controls_big_enough(new_page, live_server, who):
    page = new_page("phone", who=who)
    errors = []
    page.on("console", lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None)
    pages = crawl(page, live_server.url.rstrip("/"), START[who])
    assert len(pages) >= 5, pages
    problems = []
    for path in pages:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(path)
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems.append(f"{path} at {width} px is {wide} px wide")
            small = page.evaluate(SMALL_CONTROLS)
            if small:
                problems.append(f"{path} at {width} px: controls under 24 px: {small[:3]}")
            if width == 390:
                assert_accessible(page, f"(crawled as {who})")
    assert problems == [] and errors == [], "\n".join(problems + errors)
