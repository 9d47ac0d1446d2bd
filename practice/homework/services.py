"""Assigning homework and reading it back: the therapist's side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Date, Select, and_, bindparam, literal, or_, select, union_all
from sqlalchemy.orm import aliased, defer, joinedload, selectinload

from practice import audit
from practice.checkins.services import flag_applies
from practice.domain import CONVERSATION_GAP, CoupleStatus, DomainError, Mode, ResponseStatus, Sharing
from practice.extensions import db
from practice.models import Assignment, Clinician, Couple, Partner, Response, utcnow
from practice.models.couples import joined_names
from practice.models.exercises import ExerciseVersion
from practice.platform.database import writing
from practice.rules.versioning import save_versioned

DASHBOARD_LIMIT = 20  # lines per dashboard list


@dataclass(frozen=True)
class AssignmentRequest:
    """What the therapist chose on the assign form."""

    version: ExerciseVersion
    positions: tuple[int, ...]
    due_date: date
    days: int | None
    note: str
    sharing: str
    roles: dict[str, str]
    practised_in_session: bool = False  # the therapist says they practised it together in session
    safety_reason: str = ""  # why joint or vulnerable work goes ahead while a safety flag applies


def check_safety_rules(version: ExerciseVersion, request: AssignmentRequest, flag_applies: bool) -> None:
    """Refuse an assignment the exercise's safety declarations forbid, naming the form field to fix.

    Enforced here, not only in the form, so a forged POST is refused too.
    """
    if version.never_shared and request.sharing == Sharing.SHARED_AFTER_BOTH.value:
        raise DomainError("This exercise is never shared between partners: answers go to you only.", field="sharing")
    if version.one_partner_only and len(request.positions) != 1:
        raise DomainError("This exercise is for one partner only: please choose which one.", field="who")
    if version.practise_in_session_first and not request.practised_in_session:
        raise DomainError("Please practise this together in session first, then tick the box.",
                          field="practised_in_session")
    if flag_applies and needs_safety_reason(version) and not request.safety_reason.strip():
        raise DomainError("A safety answer applies to this couple: please confirm and write why this work "
                          "is right for now.", field="safety_reason")


def needs_safety_reason(version: ExerciseVersion) -> bool:
    """Joint or vulnerable work, which waits on an individual safety assessment while a flag applies."""
    return version.mode == Mode.TOGETHER.value or version.vulnerable


def assign(couple: Couple, clinician: Clinician, request: AssignmentRequest, today: date) -> Assignment:
    """Give an exercise version to one or both partners, each with their own empty response.

    The safety rules are checked first (`check_safety_rules`). A safety reason is audited but its words
    are kept encrypted on the assignment, as the audit trail keeps no free text.
    """
    with writing():  # the safety rules are read under the lock, so a flag raised meanwhile counts
        flag = flag_applies(couple)
        check_safety_rules(request.version, request, flag)
        if request.sharing == Sharing.SHARED_AFTER_BOTH.value and len(request.positions) != 2:
            raise DomainError("Sharing between partners needs the exercise to go to both of them.", field="sharing")
        if request.due_date < today:
            raise DomainError("Please choose a due date from today onwards.", field="due_date")
        assignment = Assignment(
            couple=couple, exercise_version=request.version, assigned_by=clinician, due_date=request.due_date,
            starts_on=today, days=request.days, note=request.note, sharing=request.sharing, roles=request.roles,
            safety_reason=request.safety_reason.strip() if flag and needs_safety_reason(request.version) else None,
        )
        assignment.responses = [
            Response(partner=couple.partner(n), partner_position=n) for n in sorted(request.positions)
        ]
        couple.last_activity_at = utcnow()
        db.session.add(assignment)
        _audit_safety_steps(assignment, request, flag)
    return assignment


def _audit_safety_steps(assignment: Assignment, request: AssignmentRequest, flag: bool) -> None:
    """Record the in-session step and any reason for going ahead despite a safety flag."""
    detail = {}
    if request.version.practise_in_session_first:
        detail["practised_in_session"] = True
    if assignment.safety_reason:
        detail["safety_reason_given"] = True  # the words: `assignment.safety_reason`, encrypted
    if detail:
        audit.record(audit.AuditAction.CREATE, record=assignment, detail=detail)


def couple_assignments(couple: Couple) -> Select[tuple[Assignment]]:
    """A couple's homework, newest due date first, for a list: statuses and titles, no encrypted text."""
    return (
        select(Assignment)
        .where(Assignment.couple_id == couple.id)
        .options(
            defer(Assignment.note, raiseload=True), defer(Assignment.review_comment, raiseload=True),
            selectinload(Assignment.responses).defer(Response.answers, raiseload=True),
            joinedload(Assignment.exercise_version).load_only(ExerciseVersion.title, raiseload=True),
        )
        .order_by(Assignment.due_date.desc(), Assignment.id.desc())
    )


NOTHING_SENT = "Nothing has been sent yet, so there is nothing to mark as reviewed."


def mark_reviewed(assignment: Assignment, expected_version: int | None, comment: str) -> None:
    """Record that the therapist has read the latest answers, with a private comment.

    Raises ConflictError if the assignment changed since the form was built (another tab's comment), and
    DomainError while nothing has been sent: there is nothing to review yet.
    """
    with writing():
        if not any(response.is_submitted for response in assignment.responses):
            raise DomainError(NOTHING_SENT)
        save_versioned(assignment, expected_version, {"reviewed_at": utcnow(), "review_comment": comment})


def is_new(response: Response) -> bool:
    """Submitted since the therapist last marked the assignment reviewed."""
    reviewed = response.assignment.reviewed_at
    return response.is_submitted and (reviewed is None or response.submitted_at > reviewed)


@dataclass(frozen=True)
class BoardItem:
    """One line of the dashboard: whose homework, which exercise, and when it was sent or is due."""

    assignment_id: int
    couple_name: str
    title: str
    partner_name: str
    when: date | datetime


@dataclass(frozen=True)
class Dashboard:
    new: list[BoardItem]
    overdue: list[BoardItem]
    due_soon: list[BoardItem]


def dashboard(clinician: Clinician, today: date) -> Dashboard:
    """What a therapist wants to know between sessions, for their own couples only, in one statement."""
    rows = db.session.execute(
        _dashboard_statement(), {"clinician_id": clinician.id, "today": today, "soon": today + timedelta(days=2)}
    ).all()
    return Dashboard(**{
        name: [_board_item(row) for row in sorted((r for r in rows if r.list == name), key=order)]
        for name, order in BOARD_ORDER.items()
    })


@cache
def _dashboard_statement() -> Select:
    """The dashboard's query, built once: composing its subqueries costs more than running them.

    Each list is found from ids and dates alone, then at most sixty rows are joined to titles and
    names: no answers are loaded, so none are decrypted.
    """
    columns = (Response.id, Response.assignment_id, Response.partner_id, Response.submitted_at, Assignment.due_date,
               Assignment.couple_id, Assignment.exercise_version_id)
    mine = Couple.clinician_id == bindparam("clinician_id")
    today, soon = bindparam("today", type_=Date), bindparam("soon", type_=Date)
    # Spelled out for PostgreSQL's planner at a large practice. Sent answers are found by walking
    # down the submitted_at index ("IS NOT NULL" skips the unsent rows); unsent ones from this
    # clinician's partners through the (partner, status) index, never by scanning all homework.
    sent = (
        select(*columns).join(Response.assignment).join(Assignment.couple)
        .where(mine, Response.status == ResponseStatus.SUBMITTED.value, Response.submitted_at.is_not(None))
    )
    unsent = (
        select(*columns).join(Response.partner).join(Partner.couple).join(Response.assignment)
        .where(mine, Couple.status == CoupleStatus.ACTIVE.value,
               Response.status.in_([ResponseStatus.NOT_STARTED.value, ResponseStatus.DRAFT.value]))
    )
    lists = {
        "new": sent.where(or_(Assignment.reviewed_at.is_(None), Response.submitted_at > Assignment.reviewed_at))
        .order_by(Response.submitted_at.desc(), Response.id),
        "overdue": unsent.where(Assignment.due_date < today).order_by(Assignment.due_date, Response.id),
        "due_soon": unsent.where(Assignment.due_date >= today, Assignment.due_date <= soon)
        .order_by(Assignment.due_date, Response.id),
    }
    parts = [query.limit(DASHBOARD_LIMIT).subquery() for query in lists.values()]
    board = union_all(*(select(literal(name).label("list"), *part.c) for name, part in zip(lists, parts))).subquery()
    first, second, partner = aliased(Partner), aliased(Partner), aliased(Partner)
    return (
        select(board, ExerciseVersion.title, partner.name.label("partner_name"),
               first.name.label("first_name"), second.name.label("second_name"))
        .join(ExerciseVersion, ExerciseVersion.id == board.c.exercise_version_id)
        .join(partner, partner.id == board.c.partner_id)
        .join(first, and_(first.couple_id == board.c.couple_id, first.position == 1))
        .join(second, and_(second.couple_id == board.c.couple_id, second.position == 2))
    )


# UNION ALL keeps no order, so each list is sorted again as its query was.
BOARD_ORDER = {
    "new": lambda row: (-row.submitted_at.timestamp(), row.id),
    "overdue": lambda row: (row.due_date, row.id),
    "due_soon": lambda row: (row.due_date, row.id),
}


def _board_item(row) -> BoardItem:
    when = row.submitted_at if row.list == "new" else row.due_date
    couple_name = joined_names((row.first_name, row.second_name))
    return BoardItem(row.assignment_id, couple_name, row.title, row.partner_name, when)


@dataclass(frozen=True)
class PromptRow:
    """One prompt with each assigned partner's answer, for the side-by-side review."""

    prompt: object
    answers: dict[int, object]  # by partner position
    starter: bool


def side_by_side(assignment: Assignment) -> list[PromptRow]:
    """Every prompt of the assigned version with the answers each partner has sent; far-apart ratings are flagged.

    Drafts are left out, so an unsent rating can neither show nor raise a conversation starter.
    """
    by_position = {r.partner_position: r.answers for r in assignment.responses if r.is_submitted}
    rows = []
    for prompt in assignment.exercise_version.content.prompts:
        answers = {pos: answers.get(prompt.key) for pos, answers in by_position.items()}
        rows.append(PromptRow(prompt, answers, _far_apart(prompt, answers)))
    return rows


def _far_apart(prompt, answers: dict[int, object]) -> bool:
    values = [v for v in answers.values() if isinstance(v, int)]
    return prompt.type == "scale" and len(values) == 2 and abs(values[0] - values[1]) >= CONVERSATION_GAP
