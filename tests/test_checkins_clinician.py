"""The therapist's check-in pages: settings per couple, and suggestions where homework is chosen."""

from __future__ import annotations

import re

from sqlalchemy import select

from practice.checkins.schedule import current_period
from practice.extensions import db
from practice.models import AuditEvent
from practice.web.templating import practice_today
from tests.checkin_helpers import plant
from tests.homework_helpers import clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.reading import visible


def test_settings_change_the_cadence_and_pause_check_ins(app, world):
    therapist = clinician_login(app, world.clinician)
    url = f"/couples/{world.couple.id}/check-ins/settings"
    page = therapist.get(url).data
    assert b'<option selected value="7">Every week</option>' in page
    saved = therapist.post_form(url, {"cadence_days": "14", "paused": "y", "version": str(world.couple.version)})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#progress")
    db.session.refresh(world.couple)
    assert world.couple.checkin_cadence_days == 14 and world.couple.checkins_paused
    assert b"How are things between you?" not in partner_login(app, world.p1).get("/portal/").data
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "change"))
    assert event.record_type == "Couple" and event.detail == {"what": "checkin_settings"}
    assert b"Check-ins are paused." in therapist.get(f"/couples/{world.couple.id}").data


def test_a_stale_settings_form_is_refused_and_keeps_the_choice(app, world):
    therapist = clinician_login(app, world.clinician)
    url = f"/couples/{world.couple.id}/check-ins/settings"
    old = str(world.couple.version)
    therapist.post_form(url, {"cadence_days": "14", "version": old})
    response = therapist.post_form(url, {"cadence_days": "28", "version": old})
    assert response.status_code == 200 and b"Someone else saved this page" in response.data
    assert b'<option selected value="28">' in response.data
    db.session.refresh(world.couple)
    assert world.couple.checkin_cadence_days == 14


def test_a_cadence_that_is_not_offered_is_refused_beside_the_field(app, world):
    therapist = clinician_login(app, world.clinician)
    response = therapist.post_form(f"/couples/{world.couple.id}/check-ins/settings",
                                   {"cadence_days": "3", "version": str(world.couple.version)})
    assert response.status_code == 200 and b'id="cadence_days-error"' in response.data


def test_suggestions_follow_low_check_in_areas_and_link_to_the_assign_form(app, world, builtins):
    now = current_period(world.couple, practice_today())
    for position in (1, 2):
        plant(world.couple, position, now, {"closeness": 5, "understood": 5, "appreciated": 1, "affection": 5,
                                            "time_together": 5, "trust": 5, "intimacy": 5, "overall": 4})
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/couples/{world.couple.id}").data.decode()
    suggestions = page[page.index('id="suggestions"'):page.index('id="access"')]
    first = re.search(r'href="(/couples/\d+/homework/new\?exercise=\d+)" class="task-title">([^<]+)</a>\s*'
                      r'<span class="muted">([^<]+)</span>', suggestions)
    assert first.group(2) == "Daily gratitude log" and first.group(3) == "low on appreciation in the latest check-in"
    assert "Fears and longings" not in suggestions  # restructuring work, and the couple is in de-escalation
    assert therapist.get(first.group(1)).status_code == 200

    chooser = therapist.get(f"/couples/{world.couple.id}/homework/new").data.decode()
    assert "Suggested for Alex &amp; Sam" in visible(chooser) and first.group(1) in chooser


def test_something_assigned_lately_is_not_suggested_again(app, world, builtins):
    from practice.models import Exercise

    gratitude = db.session.scalar(select(Exercise).where(Exercise.slug == "daily-gratitude-log"))
    world.couple.concerns = ["taken_for_granted"]
    db.session.commit()
    therapist = clinician_login(app, world.clinician)
    assert b"Daily gratitude log</a>" in therapist.get(f"/couples/{world.couple.id}/homework/new").data
    give_homework(world, exercise=gratitude)
    chooser = therapist.get(f"/couples/{world.couple.id}/homework/new").data
    suggested = chooser[:chooser.index(b"Or choose any exercise")]
    assert b"Daily gratitude log</a>" not in suggested
