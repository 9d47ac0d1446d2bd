"""A partner's homework, reached only through queries filtered by the signed-in partner.

Nothing here takes a partner id from the request: every function takes the
signed-in `Partner` and puts `partner_id == partner.id` inside the query, so
a guessed assignment id of the other partner, or of another couple, is
simply not found.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import defer, joinedload
from werkzeug.exceptions import NotFound

from practice.checkins import notices
from practice.domain import ConflictError, DomainError, ResponseStatus
from practice.extensions import db
from practice.models import Assignment, ExerciseVersion, Partner, Response, SafetyFlag, utcnow
from practice.platform.database import writing
from practice.portal.exercise_flags import prompts_raising_flag
from practice.rules.versioning import flush_or_conflict
from practice.sharing import other_answers_visible
from practice.web.templating import local_datetime

ALREADY_SENT = "You've already sent this one, so it's kept exactly as you wrote it. Nothing was changed."
HELD = (
    "Your therapist isn't reading homework on Twofold at the moment, so this wasn't sent yet. Your answers are "
    "still below, and you can save them as a draft. Your therapist's practice will be in touch."
)


# Lists show titles, dates and statuses: answers and notes stay encrypted and unread.
FOR_A_LIST = (
    defer(Response.answers, raiseload=True),
    joinedload(Response.assignment).options(
        defer(Assignment.note, raiseload=True), defer(Assignment.review_comment, raiseload=True),
        joinedload(Assignment.exercise_version).load_only(
            ExerciseVersion.title, ExerciseVersion.minutes, raiseload=True
        ),
    ),
)


def open_responses(partner: Partner) -> list[Response]:
    """This partner's homework still to do, soonest due first."""
    return list(db.session.scalars(
        select(Response)
        .join(Response.assignment)
        .where(Response.partner_id == partner.id, Response.status != ResponseStatus.SUBMITTED.value)
        .options(*FOR_A_LIST)
        .order_by(Assignment.due_date, Response.id)
    ))


def sent_responses(partner: Partner) -> Select[tuple[Response]]:
    """This partner's sent homework, newest first, as a query to paginate."""
    return (
        select(Response)
        .where(Response.partner_id == partner.id, Response.status == ResponseStatus.SUBMITTED.value)
        .options(*FOR_A_LIST)
        .order_by(Response.submitted_at.desc(), Response.id.desc())
    )


def own_response_or_404(partner: Partner, assignment_id: int) -> Response:
    """This partner's response to one assignment, or 404 (the other partner's is never found)."""
    response = db.session.scalar(
        select(Response)
        .where(Response.partner_id == partner.id, Response.assignment_id == assignment_id)
        .options(joinedload(Response.assignment).joinedload(Assignment.exercise_version))
    )
    if response is None:
        raise NotFound()
    return response


def shared_response(partner: Partner, own: Response) -> Response | None:
    """The other partner's response, only when the sharing rule allows this partner to read it."""
    statuses = list(db.session.scalars(select(Response.status).where(Response.assignment_id == own.assignment_id)))
    if not other_answers_visible(own.assignment.sharing, statuses):
        return None
    return db.session.scalar(
        select(Response).where(Response.assignment_id == own.assignment_id, Response.partner_id != partner.id)
    )


def shared_assignment_ids(responses: list[Response]) -> set[int]:
    """Which of these assignments already reveal the other's answers, by the one rule (one query)."""
    candidates = {r.assignment_id: r.assignment.sharing for r in responses
                  if r.assignment.is_shared_after_both and r.is_submitted}
    if not candidates:
        return set()
    statuses: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(Response.assignment_id, Response.status).where(Response.assignment_id.in_(candidates))
    )
    for assignment_id, status in rows:
        statuses[assignment_id].append(status)
    return {aid for aid, sharing in candidates.items() if other_answers_visible(sharing, statuses[aid])}


@dataclass(frozen=True)
class SaveResult:
    version: int
    saved_at: str


def saved_label(result: SaveResult) -> str:
    """When a draft was saved, as the partner reads it: the practice's clock, never the phone's."""
    return local_datetime(datetime.fromisoformat(result.saved_at), "%H:%M")


def save_draft(response: Response, expected_version: int | None, answers: dict) -> SaveResult:
    """Keep a draft; refuse a stale tab's save and anything after submission."""
    with writing():
        _check_writable(response, expected_version)
        response.answers = answers
        response.status = ResponseStatus.DRAFT.value
        response.draft_saved_at = utcnow()
        flush_or_conflict(ConflictError(STALE_DRAFT))
        return SaveResult(response.version, response.draft_saved_at.isoformat())


def submit(response: Response, expected_version: int | None, answers: dict) -> None:
    """Send the answers to the therapist; from now on they are read-only.

    An answer that picks an option marked `raises_safety_flag` raises the
    private flag; the partner's page looks the same either way.
    """
    with writing():
        _check_writable(response, expected_version)
        if not response.assignment.couple.clinician.active:  # never sent into a void
            raise DomainError(HELD)
        response.answers = answers
        response.status = ResponseStatus.SUBMITTED.value
        response.submitted_at = utcnow()
        couple = response.assignment.couple
        couple.last_activity_at = response.submitted_at
        version = response.assignment.exercise_version
        flag = None
        raising = prompts_raising_flag(version.content, answers)
        if raising:  # in the same commit as the answers: sent means flagged
            flag = SafetyFlag.raised_by_exercise(response.partner, response.assignment_id, version.title, raising)
            db.session.add(flag)
            notices.record_for_clinician(flag, couple)
        flush_or_conflict(ConflictError(STALE_DRAFT))
        flag_id = flag.id if flag is not None else None
    if flag_id is not None:
        notices.deliver_soon(flag_id)


def _check_writable(response: Response, expected_version: int | None) -> None:
    if response.is_submitted:
        raise DomainError(ALREADY_SENT)
    if response.version != expected_version:
        raise ConflictError(STALE_DRAFT)


STALE_DRAFT = (
    "This exercise was saved from another window or device after you opened it here, so this "
    "version wasn't saved. Your text is still on this page: copy anything you want to keep, "
    "then reload to see the latest version."
)
