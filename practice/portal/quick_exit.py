"""Quick exit: one tap leaves the portal for a neutral page, signed out, with no portal page to go back to.

The control on every portal page is a plain link to `/exit`, so it works
without JavaScript. With JavaScript (static/js/quick-exit.js, no inline
script under the strict CSP) the click calls `location.replace`, so the
portal page the partner was on is replaced in the tab's history instead of
left behind it. `/exit` signs this device out (portal pages are never
cached, so Back reaches only the sign-in page, never what was on screen)
and answers with the neutral page's address. The neutral page says nothing
about Twofold or therapy, loads nothing of the portal's, and sets no cookie.
A practice may send the exit to a well-known site instead (`QUICK_EXIT_URL`,
for example a public weather service), so that even the address bar shows
nothing of Twofold.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user, logout_user

bp = Blueprint("away", __name__)


@bp.get("/exit")
def quick_exit():
    if getattr(current_user, "kind", None) == "partner":
        logout_user()
        session.clear()
    elif not current_user.is_authenticated:
        session.clear()
    return redirect(current_app.config.get("QUICK_EXIT_URL") or url_for("away.neutral"))


@bp.get("/weather")
def neutral():
    response = render_template("neutral.html")
    return response, 200, {"Referrer-Policy": "no-referrer"}
