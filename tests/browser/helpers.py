"""What browser tests share: accessibility scans, screenshots, mail, and signing in."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from functools import cache
from pathlib import Path

from tests.browser.server import ROOT

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts" / "screenshots"
BLOCKING = ("serious", "critical")
DEMO_PASSWORD = "demo-password-123"
THERAPIST = "demo.therapist@example.com"
COLLEAGUE = "demo.colleague@example.com"
ALEX = "demo.alex@example.com"
SAM = "demo.sam@example.com"
PARTNERS = (ALEX, SAM)  # who signs in through the portal


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.x A/AA and best-practice violations on the page as it is now."""
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(content=axe_source())  # the same text each time lets Chromium reuse its compiled code
    return page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")["violations"]


@cache
def axe_source() -> str:
    return AXE.read_text()


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        lines.extend(f"    {' '.join(node['target'])}: {node['failureSummary']}" for node in v["nodes"][:5])
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    """Fail on any serious or critical axe violation, listing each with the elements at fault."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url} has accessibility problems {where}:\n{describe(blocking)}"


# The focused element, and whether it shows a solid, opaque ring at least 2px wide.
FOCUS = """selector => {
  const e = document.activeElement, c = getComputedStyle(e);
  return {
    element: e === document.body ? null : e.outerHTML.slice(0, 160),
    ring: c.outlineStyle !== "none" && parseFloat(c.outlineWidth) >= 2 && !c.outlineColor.startsWith("rgba"),
    wanted: selector ? e.matches(selector) : false,
  };
}"""


def tab_to(page, selector: str | None = None, limit: int = 80) -> list[str]:
    """Press Tab until `selector` has focus (or, without one, once round the page), checking each stop shows it."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS, selector)
        if focus["element"] is None or (stops and focus["element"] == stops[0]):  # left the page, or came round
            assert selector is None, f"Tabbed round the page without reaching {selector}"
            return stops
        assert focus["ring"], f"No visible focus ring on {focus['element']}"
        stops.append(focus["element"])
        if focus["wanted"]:
            return stops
    raise AssertionError(f"{limit} presses of Tab did not reach {selector or 'the end of the page'}")


def screenshot(page, name: str) -> Path:
    """Save the whole page under tests/artifacts/screenshots/ (git-ignored) for people to look at."""
    path = ARTIFACTS / f"{name}.jpg"
    page.screenshot(path=path, full_page=True, type="jpeg", quality=80)  # a JPEG takes half the time of a PNG
    return path


def sign_in(page, email: str, password: str = DEMO_PASSWORD, *, portal: bool = False) -> None:
    """Type into the real sign-in form (the therapists' or the partners') and wait to land."""
    page.goto("/portal/login" if portal else "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/portal/$" if portal else r"/dashboard$"))


class Mailbox:
    """The messages the server's `file` mail backend wrote."""

    SEPARATOR = b"\n" + b"-" * 79 + b"\n"

    def __init__(self, folder: Path):
        self.folder = folder

    def messages_to(self, address: str) -> list:
        messages = []
        for path in sorted(self.folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            for raw in path.read_bytes().split(self.SEPARATOR):
                if raw.strip():
                    message = message_from_bytes(raw, policy=policy.default)
                    if address in message["To"]:
                        messages.append(message)
        return messages

    def link_to(self, address: str) -> str:
        """The first link in the newest message to `address`."""
        messages = self.messages_to(address)
        assert messages, f"No email was sent to {address}"
        body = messages[-1].get_body(preferencelist=("plain",)).get_content()
        return re.search(r"https?://\S+", body).group(0)
