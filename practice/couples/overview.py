"""The couple page's content, gathered in one place, so the view only authorises, renders and audits."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from practice.checkins import services as checkin_services
from practice.checkins.progress import Progress, couple_progress
from practice.homework import couple_facts
from practice.homework import services as homework_services
from practice.models import Couple, PartnerInvitation, Response, SafetyFlag, TherapySession
from practice.portal import access
from practice.practices import crisis
from practice.rules.suggestions import Suggestion
from practice.sessions import services as session_services
from practice.web.pagination import Window, window


@dataclass(frozen=True)
class CoupleOverview:
    """What the couple page shows about one (already authorised) couple, as of `today`."""

    couple: Couple
    today: date
    homework: Window
    new_responses: list[Response]
    sessions: list[TherapySession]
    invitations: dict[int, PartnerInvitation | None]
    new_links: dict[int, str]
    flags: list[SafetyFlag]
    safety_first: bool
    progress: Progress
    suggestions: list[Suggestion]
    missing_crisis_lines: list[str]

    def context(self) -> dict:
        """The template's variables, one per field."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def couple_overview(couple: Couple, today: date, homework_per_page: int) -> CoupleOverview:
    """Gather the couple page: homework (the requested page of it), sessions, access, flags, progress, suggestions.

    A new link is taken first: showing it once is a write, and its commit expires whatever was loaded before.
    """
    invitations = access.open_invitations(couple.partners)
    new_links = access.links_to_show(invitations)
    homework = window(homework_services.couple_assignments(couple), homework_per_page)
    progress = couple_progress(couple, today)
    library, last_assigned = couple_facts.library_for(couple)
    flags = checkin_services.couple_flags(couple)
    safety_first = checkin_services.any_flag_applies(couple, flags)
    return CoupleOverview(
        couple=couple, today=today, homework=homework,
        new_responses=[r for a in homework.items for r in a.responses if homework_services.is_new(r)],
        sessions=session_services.couple_sessions(couple),
        invitations=invitations, new_links=new_links,
        flags=flags, safety_first=safety_first, progress=progress,
        suggestions=couple_facts.for_couple(couple, progress, today, library, last_assigned, safety_flag=safety_first),
        missing_crisis_lines=crisis.missing_lines(couple.clinician.practice),
    )
