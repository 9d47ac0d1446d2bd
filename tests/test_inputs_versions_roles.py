"""Issue 13 §5: a role exercise needs its role mapping; review comments and every edit form carry a version."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from practice.extensions import db
from practice.models import Assignment
from tests.factories import make_exercise
from tests.homework_helpers import FULL_ANSWERS, clinician_login, give_homework, partner_login, world  # noqa: F401
from tests.test_homework_flow import answer

ROLE_PROMPTS = [
    {"key": "shared", "type": "long_text", "label": "For both"},
    {"key": "pain", "type": "long_text", "label": "Your pain", "role": "hurt"},
    {"key": "impact", "type": "long_text", "label": "Its impact", "role": "hurting"},
]
ROLES = [{"key": "hurt", "label": "The partner who was hurt"}, {"key": "hurting", "label": "The partner who hurt"}]


def error_for(html: bytes, field_id: str) -> str:
    match = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">([^<]*)</small>'.encode(), html)
    assert match, f"no error shown for {field_id}"
    return match.group(1).decode().replace("&#39;", "'")


def test_a_role_exercise_is_not_assigned_without_the_role_mapping(app, world):
    exercise = make_exercise(world.clinician, title="Repairing trust", roles=ROLES, prompts=ROLE_PROMPTS)
    therapist = clinician_login(app, world.clinician)
    url = f"/couples/{world.couple.id}/homework/new?exercise={exercise.id}"
    response = therapist.post_form(url, {"who": "both", "due_date": "2099-01-31", "sharing": "private",
                                         "role_for_1": ""})
    assert response.status_code == 200
    assert "asks different questions of each partner" in error_for(response.data, "role_for_1")
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0

    chosen = therapist.post_form(url, {"who": "both", "due_date": "2099-01-31", "sharing": "private",
                                       "role_for_1": "hurting"})
    assert chosen.status_code == 302
    assert db.session.scalars(select(Assignment)).one().roles == {"1": "hurting", "2": "hurt"}


def test_an_exercise_without_roles_needs_no_role_choice(app, world):
    therapist = clinician_login(app, world.clinician)
    response = therapist.post_form(f"/couples/{world.couple.id}/homework/new?exercise={world.exercise.id}",
                                   {"who": "both", "due_date": "2099-01-31", "sharing": "private"})
    assert response.status_code == 302


def test_a_stale_review_comment_is_refused_and_the_typed_text_kept(app, world):
    assignment = give_homework(world)
    answer(partner_login(app, world.p1), assignment.id, "submit", FULL_ANSWERS)
    therapist = clinician_login(app, world.clinician)
    first_tab = therapist.get(f"/homework/{assignment.id}").data
    second_tab = therapist.get(f"/homework/{assignment.id}").data
    old = re.search(rb'name="version" type="hidden" value="(\d+)"|type="hidden" name="version" value="(\d+)"|'
                    rb'name="version" value="(\d+)"', first_tab)
    assert old, "the review form carries the assignment's version"
    version = next(g for g in old.groups() if g).decode()
    assert version.encode() in second_tab

    saved = therapist.post_form(f"/homework/{assignment.id}", {"comment": "From the first tab", "version": version})
    assert saved.status_code == 302
    stale = therapist.post_form(f"/homework/{assignment.id}", {"comment": "From the second tab", "version": version})
    assert stale.status_code == 200
    assert b"Someone else saved this page" in stale.data
    assert b"From the second tab" in stale.data
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).review_comment == "From the first tab"

    # The refused page is armed with the newer version: pressing save again replaces it, knowingly.
    again = therapist.post_form(f"/homework/{assignment.id}", {"comment": "From the second tab",
                                                                 "version": str(int(version) + 1)})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).review_comment == "From the second tab"


def test_a_review_without_a_version_is_a_conflict_not_an_overwrite(app, world):
    assignment = give_homework(world)
    answer(partner_login(app, world.p1), assignment.id, "submit", FULL_ANSWERS)
    therapist = clinician_login(app, world.clinician)
    response = therapist.post_form(f"/homework/{assignment.id}", {"comment": "No version sent"})
    assert response.status_code == 200
    assert b"Someone else saved this page" in response.data and b"No version sent" in response.data
    db.session.expire_all()
    row = db.session.get(Assignment, assignment.id)
    assert row.review_comment == "" and row.reviewed_at is None


def test_every_edit_form_refuses_a_missing_version(app, world):
    """The couple, check-in settings, session note, exercise and practice edit forms: no version, no save."""
    from werkzeug.datastructures import MultiDict

    from practice.checkins.forms import SettingsForm
    from practice.couples.forms import EditCoupleForm
    from practice.homework.forms import ReviewForm
    from practice.library.forms import EditExerciseForm
    from practice.practices.forms import PracticeProfileForm
    from practice.sessions.forms import NoteForm

    with app.test_request_context(method="POST"):
        for form_class in (SettingsForm, EditCoupleForm, ReviewForm, EditExerciseForm, PracticeProfileForm, NoteForm):
            form = form_class(formdata=MultiDict({"version": ""}), meta={"csrf": False})
            form.version.validate(form)
            assert any("Someone else saved this page" in e for e in form.version.errors), form_class.__name__
