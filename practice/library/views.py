"""The exercise library: browse, preview, build, copy, edit, retire and restore."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice.auth.guards import require_clinician
from practice.authz import exercise_for_practice_or_404, own_exercise_for_practice_or_404
from practice.domain import ConflictError
from practice.library import services
from practice.library.answer_forms import preview_form
from practice.library.builder import apply_action, parse_action
from practice.library.forms import (
    NEW_EXERCISE,
    PROMPT_TYPE_LABELS,
    SAFETY,
    EditExerciseForm,
    ExerciseForm,
    LibraryFilterForm,
    builder_data,
)
from practice.models.exercise_content import MAX_LOG_FIELDS, MAX_PROMPTS, ExerciseContent
from practice.rules.versioning import keep_typed_text_after_conflict

bp = Blueprint("library", __name__, url_prefix="/library")
bp.before_request(require_clinician)


@bp.get("/")
def browse():
    filters = LibraryFilterForm(request.args)
    filters.validate()
    return render_template("library/browse.html", filters=filters, exercises=services.browse(filters.criteria()))


@bp.get("/<int:exercise_id>")
def detail(exercise_id: int):
    exercise = exercise_for_practice_or_404(exercise_id, *services.WITH_HISTORY)
    content = exercise.latest.content
    previews = [(role.label, preview_form(content, role.key)) for role in content.roles]
    return render_template(
        "library/detail.html", exercise=exercise, content=content,
        previews=previews or [("", preview_form(content))],
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    form, content = builder_form(NEW_EXERCISE)
    if content is not None:
        exercise = services.create_exercise(clinician(), content)
        flash(f"“{content.title}” is in your practice's library now.", "success")
        return redirect(url_for("library.detail", exercise_id=exercise.id))
    return render_builder(form, heading="New exercise")


@bp.route("/<int:exercise_id>/copy", methods=["GET", "POST"])
def copy(exercise_id: int):
    source = exercise_for_practice_or_404(exercise_id)
    form, content = builder_form(builder_data(source.latest.content))
    if content is not None:
        exercise = services.create_exercise(clinician(), content, copied_from=source)
        flash(f"Your adapted copy of “{source.latest.title}” is saved. The original stays as it was.", "success")
        return redirect(url_for("library.detail", exercise_id=exercise.id))
    return render_builder(form, heading=f"Adapt “{source.latest.title}”", source=source)


@bp.route("/<int:exercise_id>/edit", methods=["GET", "POST"])
def edit(exercise_id: int):
    exercise = own_exercise_for_practice_or_404(exercise_id)
    form, content = builder_form(builder_data(exercise.latest.content, exercise.version), EditExerciseForm)
    if content is not None:
        try:
            changed = services.save_changes(exercise, form.version.data, content, clinician())
        except ConflictError as error:
            keep_typed_text_after_conflict(form, exercise, error)
        else:
            if changed:
                flash(f"Saved as version {exercise.latest_number}. Homework already assigned keeps the "
                      "version it was given.", "success")
            else:
                flash("Nothing had changed, so no new version was made.", "info")
            return redirect(url_for("library.detail", exercise_id=exercise.id))
    return render_builder(form, heading=f"Edit “{exercise.latest.title}”", exercise=exercise)


@bp.post("/<int:exercise_id>/<any(retire, restore):action>")
def retire_or_restore(exercise_id: int, action: str):
    exercise = own_exercise_for_practice_or_404(exercise_id)
    services.set_retired(exercise, retired=action == "retire")
    if action == "retire":
        flash("Retired: it is hidden from the library. Homework already assigned is not affected.", "info")
    else:
        flash("Restored to the library.", "success")
    return redirect(url_for("library.detail", exercise_id=exercise.id))


def builder_form(initial: dict, form_class: type[ExerciseForm] = ExerciseForm) -> tuple[ExerciseForm, ExerciseContent | None]:
    """This request's builder form, and its content when Save was pressed and everything is valid.

    Any other button changes the submitted form (add, remove, move) and
    shows it again without saving.
    """
    if request.method == "GET":
        return form_class(data=initial), None
    action = parse_action(request.form.get("action"))
    if action is None:
        abort(400)
    if action.verb != "save":
        return form_class(formdata=apply_action(request.form, action)), None
    form = form_class()
    return form, form.validated_content()


def render_builder(form: ExerciseForm, **context):
    return render_template(
        "library/builder.html", form=form, type_labels=PROMPT_TYPE_LABELS, safety_fields=SAFETY,
        max_prompts=MAX_PROMPTS, max_log_fields=MAX_LOG_FIELDS, **context,
    )


def clinician():
    """The signed-in clinician as a model instance (not Flask-Login's proxy)."""
    return current_user._get_current_object()
