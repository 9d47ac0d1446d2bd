"""Debian's Chromium, driven by Playwright: how to launch it and the two screens we test on.

We never let Playwright download a browser: the tests use the distribution's
Chromium (`apt-get install chromium`), which `make test` installs.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm, where Chromium's tabs crash
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# bypass_csp lets axe-core's script run under our strict Content-Security-Policy.
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "bypass_csp": True}
PHONE = {
    "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
    "is_mobile": True, "has_touch": True, "bypass_csp": True,
}
SCREENS = {"desktop": DESKTOP, "phone": PHONE}


def missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return (f"Chromium is not installed at {CHROMIUM}: install it with `apt-get install -y chromium` "
                "(.ci/run does this), or point CHROMIUM at another Chromium.")
    return None


def launch(playwright):
    """Start headless Chromium from the system, never a downloaded one."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
