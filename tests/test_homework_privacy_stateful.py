"""Random sequences of assigning, drafting, submitting, sharing and viewing never leak a private answer.

Hypothesis plays the therapist and both partners. Every answer a partner
writes carries a unique marker; after each step, a partner visits every
portal page they can reach, and none may show a marker of the other
partner's, except the other's *sent* answer on homework shared after both
have sent theirs. The permitted case is checked too, so the test would
notice if the pages stopped showing anything at all.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from practice.domain import DomainError
from practice.extensions import db, limiter
from practice.sharing import other_answers_visible
from tests.database import wipe_database
from tests.factories import make_clinician, make_couple, make_exercise
from tests.homework_helpers import World, give_access, give_homework, partner_login

STORY = [{"key": "story", "type": "long_text", "label": "What happened?"}]
SHARINGS = st.sampled_from(["private", "shared_after_both"])
POSITIONS = st.sampled_from([(1, 2), (1,), (2,)])


def build_machine(app):
    """A state machine bound to this test's app; each example starts from an empty database."""

    class PortalPrivacy(RuleBasedStateMachine):
        assignments = Bundle("assignments")

        def __init__(self):
            super().__init__()
            wipe_database()
            limiter.reset()  # every example signs both partners in again
            self.world = build_world()
            self.browsers = {1: partner_login(app, self.world.p1), 2: partner_login(app, self.world.p2)}
            self.plan = {}  # assignment id -> (sharing, positions)
            self.markers = {1: {}, 2: {}}  # position -> {assignment id: [every marker written]}
            self.sent = {}  # (assignment id, position) -> the marker that was sent
            self.written = 0

        @precondition(lambda self: len(self.plan) < 3)
        @rule(target=assignments, sharing=SHARINGS, positions=POSITIONS)
        def assign(self, sharing, positions):
            if sharing == "shared_after_both" and len(positions) < 2:
                with pytest.raises(DomainError):  # sharing needs both partners; the service says so
                    give_homework(self.world, sharing=sharing, positions=positions)
                db.session.rollback()
                return multiple()
            assignment = give_homework(self.world, sharing=sharing, positions=positions)
            self.plan[assignment.id] = (sharing, positions)
            return assignment.id

        @rule(assignment_id=assignments, position=st.sampled_from([1, 2]), send=st.booleans())
        def write(self, assignment_id, position, send):
            browser = self.browsers[position]
            url = f"/portal/homework/{assignment_id}"
            page = browser.get(url)
            if position not in self.plan[assignment_id][1]:
                assert page.status_code == 404  # not asked: the other partner's homework is never found
                return
            version = re.search(rb'name="version" value="(\d+)"', page.data)
            if version is None:
                return  # already sent: kept exactly as written
            self.written += 1
            marker = f"MARK-p{position}-a{assignment_id}-n{self.written}-END"
            response = browser.post_form(url, {"q_story": marker, "version": version.group(1).decode(),
                                               "action": "submit" if send else "save"})
            assert response.status_code == 302
            self.markers[position].setdefault(assignment_id, []).append(marker)
            if send:
                self.sent[(assignment_id, position)] = marker

        @rule(position=st.sampled_from([1, 2]))
        def view(self, position):
            """The partner opens every portal page they can reach."""
            pages = self.reachable_pages(position)
            other = 3 - position
            for assignment_id, markers in self.markers[other].items():
                visible = self.visible_to_other(assignment_id, other)
                for marker in markers:
                    shown = [url for url, html in pages.items() if marker in html]
                    expected = [f"/portal/homework/{assignment_id}"] if marker == visible else []
                    assert shown == expected, (marker, shown)

        def teardown(self):
            """Every sequence ends with both partners looking."""
            for position in (1, 2):
                self.view(position)

        def visible_to_other(self, assignment_id, writer):
            """The writer's answer the other partner may read, by the one sharing rule, or None."""
            sharing, positions = self.plan[assignment_id]
            statuses = ["submitted" if (assignment_id, p) in self.sent else "draft" for p in positions]
            return self.sent.get((assignment_id, writer)) if other_answers_visible(sharing, statuses) else None

        def reachable_pages(self, position) -> dict[str, str]:
            browser = self.browsers[position]
            urls = ["/portal/", "/portal/support"] + [f"/portal/homework/{aid}" for aid in self.plan]
            pages = {}
            for url in urls:
                response = browser.get(url)
                assert response.status_code in (200, 404), url
                pages[url] = response.data.decode()
            return pages

    return PortalPrivacy


def build_world() -> World:
    """One clinician and couple whose partners can sign in, and a one-question exercise."""
    clinician = make_clinician(owner=True)
    couple = make_couple(clinician, ("Alex", "Sam"))
    other = make_couple(clinician, ("Robin", "Lee"))
    give_access(couple.partner(1), "alex@example.com")
    give_access(couple.partner(2), "sam@example.com")
    db.session.commit()
    return World(clinician, clinician, clinician, couple, other, make_exercise(clinician, prompts=STORY))


@pytest.mark.asvs("4.2.1")
def test_no_sequence_of_homework_steps_shows_a_partner_the_others_private_answer(app):
    run_state_machine_as_test(
        build_machine(app),
        settings=settings(max_examples=12, stateful_step_count=10, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
