"""The therapist's homework pages: assign, review side by side, and what's new."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice import audit
from practice.auth.guards import require_clinician
from practice.authz import (
    assignment_for_clinician_or_404,
    couple_for_clinician_or_404,
    couples_of_current_clinician,
    exercise_for_practice_or_404,
)
from practice.checkins import services as checkin_services
from practice.checkins.progress import couple_progress
from practice.domain import CoupleStatus, DomainError
from practice.extensions import db
from practice.homework import couple_facts, services
from practice.homework.forms import AssignForm, ReviewForm
from practice.library.forms import LibraryFilterForm
from practice.library.services import Criteria, browse
from practice.models import Couple
from practice.rules.versioning import saved_unless_conflict
from practice.web.formtools import bounded_int
from practice.web.templating import practice_today

bp = Blueprint("homework", __name__)
bp.before_request(require_clinician)


@bp.get("/dashboard")
def dashboard():
    today = practice_today()
    return render_template("homework/dashboard.html", board=services.dashboard(current_user, today), today=today,
                           flags=checkin_services.open_flags_for(current_user))


@bp.route("/couples/<int:couple_id>/homework/new", methods=["GET", "POST"])
def assign(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    exercise_id = request.args.get("exercise", type=bounded_int)
    if exercise_id is None:
        today, library = practice_today(), browse(Criteria())
        searching = LibraryFilterForm(request.args)  # the library's own search, validated as there
        searching.validate()
        criteria = searching.criteria()
        safety_first = checkin_services.flag_applies(couple)
        suggestions = couple_facts.for_couple(couple, couple_progress(couple, today), today, library,
                                           safety_flag=safety_first)
        exercises = library if criteria == Criteria() else browse(criteria)
        return render_template("homework/choose_exercise.html", couple=couple, exercises=exercises,
                               search=criteria.search,
                               searching=searching,
                               suggestions=suggestions, safety_first=safety_first)
    exercise = exercise_for_practice_or_404(exercise_id)
    if exercise.is_retired:
        flash("That exercise is retired, so it can't be newly assigned. Please choose another.", "warning")
        return redirect(url_for("homework.assign", couple_id=couple.id))
    version = exercise.latest
    form = AssignForm()
    form.set_partners(couple, version.roles)
    form.set_rules(version, checkin_services.flag_applies(couple))
    if request.method == "GET":
        form.due_date.data = practice_today() + timedelta(days=7)
        form.days.data = daily_log_days(version)
    if form.validate_on_submit():
        try:
            services.assign(couple, current_user._get_current_object(), assignment_request(form, version), practice_today())
        except DomainError as error:
            form[error.field].errors.append(error.message)
        else:
            flash(f"“{version.title}” is on its way. Each partner will see it in their own space.", "success")
            return redirect(url_for("couples.detail", couple_id=couple.id, _anchor="homework"))
    return render_template("homework/assign.html", couple=couple, exercise=exercise, version=version, form=form)


def assignment_request(form: AssignForm, version) -> services.AssignmentRequest:
    return services.AssignmentRequest(
        version=version, positions=form.positions(), due_date=form.due_date.data,
        days=form.days.data if daily_log_days(version) else None, note=form.note.data or "",
        sharing=form.sharing.data, roles=form.role_map(), practised_in_session=form.practised_in_session.data,
        safety_reason=(form.safety_reason.data or "") if form.safety_confirmed.data else "",
    )


def daily_log_days(version) -> int | None:
    """The default length of the version's daily log, or None if it has none."""
    return next((p["days"] for p in version.prompts if p["type"] == "daily_log"), None)


@bp.get("/library/<int:exercise_id>/assign")
def choose_couple(exercise_id: int):
    exercise = exercise_for_practice_or_404(exercise_id)
    couple_id = request.args.get("couple", type=bounded_int)
    if couple_id is not None:
        couple = couple_for_clinician_or_404(couple_id)
        return redirect(url_for("homework.assign", couple_id=couple.id, exercise=exercise.id))
    couples = db.session.scalars(
        couples_of_current_clinician().where(Couple.status != CoupleStatus.CLOSED.value).order_by(Couple.id)
    ).all()
    return render_template("homework/choose_couple.html", exercise=exercise, couples=couples)


@bp.route("/homework/<int:assignment_id>", methods=["GET", "POST"])
def review(assignment_id: int):
    assignment = assignment_for_clinician_or_404(assignment_id)
    form = ReviewForm(data={"comment": assignment.review_comment, "version": assignment.version})
    if form.validate_on_submit():
        try:
            saved = saved_unless_conflict(form, assignment, lambda: services.mark_reviewed(
                assignment, form.version.data, form.comment.data or ""))
        except DomainError as error:  # nothing has been sent yet
            flash(error.message, "warning")
            return redirect(url_for("homework.review", assignment_id=assignment.id))
        if saved:
            flash("Marked as reviewed.", "success")
            return redirect(url_for("homework.review", assignment_id=assignment.id))
    page = render_template(
        "homework/review.html", assignment=assignment, rows=services.side_by_side(assignment),
        form=form, today=practice_today(),
    )
    audit.viewed(assignment)
    return page
