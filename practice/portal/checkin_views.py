"""The partner's connection check-in: one short form per period, a draft until sent."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from practice.checkins.questions import (
    DRAFT_NOTE,
    NOTE_KEY,
    NOTE_PROMPT,
    RATING_PROMPTS,
    REACH_KEY,
    REACH_PROMPT,
    SAFETY_HELP,
    SAFETY_PROMPTS,
    SCREEN_INTRO,
    CheckInForm,
    ratings_of,
    screen_of,
)
from practice.domain import DomainError
from practice.library.answer_forms import field_name, form_data
from practice.portal import checkin_services
from practice.portal.guards import require_partner
from practice.portal.homework import saved_label
from practice.web.formtools import bounded_int
from practice.web.templating import practice_today

bp = Blueprint("portal_checkins", __name__, url_prefix="/portal/check-in")
bp.before_request(require_partner)


@bp.route("", methods=["GET", "POST"])
def form():
    partner = current_user._get_current_object()
    state = checkin_services.state(partner, practice_today())
    if state is None:
        return render_template("portal/checkin_paused.html")
    if state.sent:
        if request.method == "POST":
            flash(checkin_services.ALREADY_SENT, "warning")
            return redirect(url_for(".form"))
        return render_template("portal/checkin_sent.html", state=state)
    form = CheckInForm(data=form_data(CheckInForm, draft_answers(state.checkin)))
    if request.method == "POST":
        return save_from_form(partner, form)
    return render_form(form, state)


@bp.post("/autosave")
def autosave():
    """The page's script saves drafts here every few seconds; it answers in JSON."""
    form = CheckInForm()
    if not form.validate_answers(submitting=False):
        return jsonify(ok=False, message="Some answers need a look before they can be saved.", errors=form.errors), 400
    try:
        result = checkin_services.save_draft(*posted(current_user._get_current_object(), form))
    except DomainError as error:
        return jsonify(ok=False, message=error.message), 409
    return jsonify(ok=True, version=result.version, saved_at=result.saved_at, saved_label=saved_label(result))


def save_from_form(partner, form):
    """The no-JavaScript path: "Save draft" or "Send to my therapist"."""
    submitting = request.form.get("action") == "submit"
    if form.validate_answers(submitting=submitting):
        try:
            if submitting:
                answers = form.answers()
                flagged = checkin_services.submit(*posted(partner, form), screen=screen_of(answers),
                                          reach_me=answers[REACH_KEY] or "")
                return after_sending(flagged)
            checkin_services.save_draft(*posted(partner, form))
            flash("Your check-in is saved as a draft. Only you and your therapist can see it.", "success")
            return redirect(url_for(".form"))
        except DomainError as error:
            flash(error.message, "warning")
    state = checkin_services.state(partner, practice_today())
    if state is None or state.sent:
        return redirect(url_for(".form"))
    return render_form(form, state)


def after_sending(flagged: bool):
    """Support right away after a worrying answer; shown in this response only, so nothing keeps a trace of it."""
    if flagged:
        return render_template("portal/checkin_support.html")
    flash("Thank you for checking in. Your therapist will read it before your next session.", "success")
    return redirect(url_for("portal.home"))


def render_form(form, state):
    """The form for the current period, armed with the version of the draft now stored."""
    version = state.checkin.version if state.checkin else 0
    return render_template("portal/checkin.html", form=form, state=state, version=version,
                           ratings=[(p, form[field_name(p.key)]) for p in RATING_PROMPTS],
                           screen=[(p, form[field_name(p.key)]) for p in SAFETY_PROMPTS],
                           reach=(REACH_PROMPT, form[field_name(REACH_KEY)]),
                           screen_intro=SCREEN_INTRO, screen_help=SAFETY_HELP, draft_note=DRAFT_NOTE,
                           note=(NOTE_PROMPT, form[field_name(NOTE_KEY)]))


def draft_answers(checkin) -> dict:
    """A stored check-in as answers by prompt key; the safety answers are never among them."""
    if checkin is None:
        return {}
    return {item.value: value for item, value in checkin.ratings.items()} | {NOTE_KEY: checkin.note_to_therapist}


def posted(partner, form) -> tuple:
    """The service's arguments from a validated form: who, which period and version it was opened for, what."""
    answers = form.answers()
    return (partner, posted_period(), request.form.get("version", type=bounded_int), practice_today(),
            ratings_of(answers), answers[NOTE_KEY] or "")


def posted_period() -> date | None:
    """The period the form was opened for (None if the field was tampered with)."""
    try:
        return date.fromisoformat(request.form.get("period", ""))
    except ValueError:
        return None
