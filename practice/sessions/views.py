"""The therapist's session pages: record a session, write and sign its note, amend, release and download."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice import audit, sharing
from practice.auth.guards import require_clinician
from practice.authz import couple_for_clinician_or_404, session_for_clinician_or_404
from practice.documents import session_pdfs
from practice.domain import ConflictError, DomainError
from practice.models import utcnow
from practice.pdf import PdfError
from practice.rules.versioning import keep_typed_text_after_conflict
from practice.sessions import delivery, frozen, services
from practice.sessions.forms import AmendmentForm, CorrectedHandoutForm, NoteForm, SessionDetailsForm, SignForm
from practice.web.formtools import bounded_int
from practice.web.templating import isolate, practice_zone

bp = Blueprint("sessions", __name__)
bp.before_request(require_clinician)


@bp.route("/couples/<int:couple_id>/sessions/new", methods=["GET", "POST"])
def create(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    form = SessionDetailsForm()
    form.set_partners(couple)
    if request.method == "GET":
        now = datetime.now(practice_zone())
        form.day.data, form.at.data = now.date(), now.time().replace(minute=0, second=0, microsecond=0)
    if form.validate_on_submit():
        try:
            session = services.create_session(couple, current_user._get_current_object(), form.details())
        except DomainError as error:
            flash(error.message, "warning")
        else:
            flash(f"Session {session.number} is recorded. Its note stays a draft until you sign it.", "success")
            return redirect(url_for("sessions.detail", session_id=session.id))
    return render_template("sessions/new.html", couple=couple, form=form)


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
def detail(session_id: int):
    session = session_for_clinician_or_404(session_id)
    if session.is_signed:
        if request.method == "POST":
            flash(services.SIGNED, "warning")
            return redirect(url_for("sessions.detail", session_id=session.id))
        return render_signed(session, AmendmentForm())
    form = note_form(session)
    if form.validate_on_submit():
        try:
            if form.sign.data:
                services.check_signable(form.draft())
            services.save_draft(session, form.version.data, form.draft())
        except ConflictError as error:
            keep_typed_text_after_conflict(form, session, error)
        except DomainError as error:
            form_error(form, error)
        else:
            if form.sign.data:  # kept as a draft first, so going back loses nothing; the page signs this save only
                return redirect(url_for("sessions.confirm_sign", session_id=session.id, version=session.version))
            flash("Draft saved.", "success")
            return redirect(url_for("sessions.detail", session_id=session.id))
    page = render_template("sessions/draft.html", session=session, couple=session.couple, form=form,
                           scores=score_status(session))
    audit.viewed(session)
    return page


@bp.route("/sessions/<int:session_id>/sign", methods=["GET", "POST"])
def confirm_sign(session_id: int):
    session = session_for_clinician_or_404(session_id)
    if session.is_signed:
        flash(services.SIGNED, "warning")
        return redirect(url_for("sessions.detail", session_id=session.id))
    form = SignForm()
    if form.validate_on_submit():
        try:
            services.sign(session, current_user._get_current_object(), form.version.data,
                          note_form(session, formdata=None).draft())
        except ConflictError:
            flash("Someone else saved this note after you asked to sign it, so it is not signed yet. "
                  "Please read it through and sign again.", "warning")
        except DomainError as error:
            flash(error.message, "warning")
        else:
            flash("Signed and locked. Later changes are added as dated amendments.", "success")
        return redirect(url_for("sessions.detail", session_id=session.id))
    if request.args.get("version", type=bounded_int) != session.version:  # asked about an earlier save, or by hand
        flash("This note has changed since signing was asked for (or the link is old): please read it and sign again.",
              "warning")
        return redirect(url_for("sessions.detail", session_id=session.id))
    page = render_template("confirm.html", heading=f"Sign and lock session {session.number}?",
                           lede=f"Your note for {isolate(session.couple.name)} is saved as a draft.",
                           preview=[("Focus", session.focus), ("Summary for the couple", session.couple_summary)],
                           consequences=services.SIGNING_MEANS, action=url_for("sessions.confirm_sign", session_id=session.id),
                           hidden={"version": session.version}, button="Sign and lock",
                           back=url_for("sessions.detail", session_id=session.id), back_label="Go back to the draft")
    audit.viewed(session)
    return page


@bp.post("/sessions/<int:session_id>/amendments")
def amend(session_id: int):
    session = session_for_clinician_or_404(session_id)
    if not session.is_signed:
        flash("This note isn't signed yet, so you can still change it directly.", "info")
        return redirect(url_for("sessions.detail", session_id=session.id))
    if not services.may_amend(session, current_user):
        audit.refused("TherapySession", session.id, detail={"endpoint": request.endpoint})
        abort(403)
    form = AmendmentForm()
    if not form.validate_on_submit():
        return render_signed(session, form)
    services.add_amendment(session, current_user._get_current_object(), form.text.data)
    flash("Amendment added, dated today.", "success")
    return redirect(url_for("sessions.detail", session_id=session.id, _anchor="amendments"))


@bp.route("/sessions/<int:session_id>/release", methods=["GET", "POST"])
def release(session_id: int):
    session = session_for_clinician_or_404(session_id)
    if request.method == "GET":
        if session.is_released or not session.is_signed:
            return redirect(url_for("sessions.detail", session_id=session.id, _anchor="handout"))
        page = render_template(
            "confirm.html", heading=f"Release the handout to {isolate(session.couple.name)}?",
            consequences=services.RELEASING_MEANS, action=url_for("sessions.release", session_id=session.id),
            button="Release the handout", kind="caution",
            back=url_for("sessions.detail", session_id=session.id, _anchor="handout"))
        audit.viewed(session)
        return page
    try:
        services.release_handout(session)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(f"The handout is now in {isolate(session.couple.name)}'s portal, for each of them to download.", "success")
    return redirect(url_for("sessions.detail", session_id=session.id, _anchor="handout"))


@bp.post("/sessions/<int:session_id>/withdraw")
def withdraw(session_id: int):
    session = session_for_clinician_or_404(session_id)
    try:
        services.withdraw_handout(session)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(f"The handout is no longer in {isolate(session.couple.name)}'s portal. You can release it again at any time.",
              "success")
    return redirect(url_for("sessions.detail", session_id=session.id, _anchor="handout"))


@bp.post("/sessions/<int:session_id>/corrected")
def corrected(session_id: int):
    session = session_for_clinician_or_404(session_id)
    form = CorrectedHandoutForm()
    if not session.is_signed:
        flash("This note isn't signed yet, so its handout is still a draft.", "info")
        return redirect(url_for("sessions.detail", session_id=session.id))
    if not form.validate_on_submit():
        return render_signed(session, AmendmentForm(formdata=None), corrected_form=form)
    try:
        services.release_corrected_handout(session, current_user._get_current_object(), form.reason.data)
    except DomainError as error:  # PdfError is one too
        flash(error.message, "warning")
    else:
        flash(f"The corrected handout has replaced the earlier one in {isolate(session.couple.name)}'s portal, "
              "and they have been told it is there.", "success")
    return redirect(url_for("sessions.detail", session_id=session.id, _anchor="handout"))


@bp.get("/sessions/<int:session_id>/versions/<any(clinician, couple):copy>/<int:version>.pdf")
def download_version(session_id: int, copy: str, version: int):
    session = session_for_clinician_or_404(session_id)
    if not session.is_signed:
        abort(404)
    try:
        return delivery.send_document(session, frozen.version_or_404(session, copy, version))
    except PdfError as error:
        flash(error.message, "warning")
        return redirect(url_for("sessions.detail", session_id=session.id, _anchor="handout"))


@bp.get("/sessions/<int:session_id>/<any(clinician, couple):copy>.pdf")
def download(session_id: int, copy: str):
    session = session_for_clinician_or_404(session_id)
    try:
        return delivery.send_copy(session, copy)
    except PdfError as error:
        flash(error.message, "warning")
        return redirect(url_for("sessions.detail", session_id=session.id, _anchor="handout"))


def note_form(session, **options) -> NoteForm:
    """The note form filled from the session, with the couple's homework to choose from."""
    zone = current_user.practice.timezone
    start = session.local_start(zone)
    form = NoteForm(**options, data={
        "day": start.date(), "at": start.time(), "minutes": session.minutes, "format": session.format,
        "attended": session.attended, "focus": session.focus, "interventions": session.interventions,
        "interventions_other": session.interventions_other, "observations": session.observations,
        "plan": session.plan, "couple_summary": session.couple_summary, "version": session.version,
        "handout_progress": session.handout_progress,
        "reviewed": [a.id for a in session.homework_reviewed], "assigned": [a.id for a in session.homework_assigned],
    })
    form.set_partners(session.couple)
    form.set_homework(services.reviewable_homework(session, zone), services.assignable_homework(session, zone))
    return form


def form_error(form, error: DomainError) -> None:
    """Show a service's message beside its field, or at the top of the page."""
    if error.field:
        form[error.field].errors.append(error.message)
    else:
        flash(error.message, "warning")


def render_signed(session, form: AmendmentForm, corrected_form: CorrectedHandoutForm | None = None):
    page = render_template(
        "sessions/signed.html", session=session, couple=session.couple, form=form,
        corrected_form=corrected_form or CorrectedHandoutForm(formdata=None), versions=frozen.versions(session),
        may_amend=services.may_amend(session, current_user),
        reviewed=session_pdfs.reviewed_homework(session), assigned=session_pdfs.assigned_homework(session),
        scores=score_status(session),
    )
    audit.viewed(session)
    return page


def score_status(session) -> sharing.ScoreDecision:
    """Whether the couple handout shows check-in scores now, and why not, for the therapist's eyes."""
    return sharing.checkin_scores_decision(session.couple, utcnow(), asked=bool(session.handout_progress))
