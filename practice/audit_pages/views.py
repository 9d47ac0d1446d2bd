"""Audit trail pages: clinicians see their couples' trails, owners the practice's."""

from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from practice.audit_pages import services
from practice.audit_pages.forms import AuditFilterForm
from practice.audit_pages.names import record_names
from practice.auth.guards import require_clinician, require_owner
from practice.authz import couple_for_clinician_or_404
from practice.extensions import db
from practice.models import AuditEvent
from practice.web.pagination import page_number
from practice.web.templating import local_datetime

bp = Blueprint("audit", __name__, url_prefix="/couples")
bp.before_request(require_clinician)

owner_bp = Blueprint("practice_audit", __name__, url_prefix="/practice")
owner_bp.before_request(require_owner)

CSV_BATCH = 500


def paginate(query):
    """One page of events, newest first, who did each and what each record is called."""
    page = db.paginate(query, per_page=current_app.config["AUDIT_EVENTS_PER_PAGE"], error_out=False, page=page_number())
    labels = services.actor_labels(page.items, current_user.practice_id), record_names(page.items, current_user)
    return page, labels


@bp.get("/<int:couple_id>/audit")
def couple_trail(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    page, (who, names) = paginate(services.couple_trail(couple))
    return render_template("audit/couple.html", couple=couple, page=page, who=who, names=names)


def owner_filters() -> tuple[AuditFilterForm, services.TrailFilter]:
    """The filter form from the query string, and what its valid parts ask for."""
    form = AuditFilterForm(request.args)
    form.set_choices(*services.filter_choices(current_user))
    form.validate()
    since, until = services.day_bounds(form.valid(form.since), form.valid(form.until), current_user.practice.timezone)
    couple = form.valid(form.couple)
    return form, services.TrailFilter(action=form.valid(form.action), who=form.valid(form.who),
                                      couple_id=int(couple) if couple else None, since=since, until=until)


@owner_bp.get("/audit")
def practice_trail():
    filters, asked = owner_filters()
    page, (who, names) = paginate(services.practice_trail(current_user.practice_id, asked))
    asked = {field.name: request.args[field.name] for field in (filters.who, filters.couple, filters.action,
                                                                filters.since, filters.until)
             if field.name in request.args and filters.valid(field) is not None}  # nothing else reaches url_for
    return render_template("audit/practice.html", page=page, who=who, names=names, filters=filters, asked=asked)


@owner_bp.get("/audit/download")
def download_trail():
    """The trail as CSV, with the page's filters: HIPAA asks that audit logs be reviewed, and a sheet is how."""
    _, asked = owner_filters()
    query = services.practice_trail(current_user.practice_id, asked)
    services.note_trail_downloaded(current_user._get_current_object())
    viewer, zone = current_user._get_current_object(), current_user.practice.timezone
    headers = {"Content-Disposition": 'attachment; filename="audit-trail.csv"', "Cache-Control": "no-store"}
    return Response(stream_with_context(trail_csv(query, viewer, zone)), mimetype="text/csv", headers=headers)


def trail_csv(query, viewer, zone: str):
    """Rows of the CSV, read a batch at a time, newest first; every cell is text a spreadsheet will not run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(["When", "Time zone", "Who", "What", "Record", "From"])
    last_id = None
    while True:
        older = query if last_id is None else query.where(AuditEvent.id < last_id)
        batch = db.session.scalars(older.limit(CSV_BATCH)).all()
        if not batch:
            break
        who, names = services.actor_labels(batch, viewer.practice_id), record_names(batch, viewer)
        for event in batch:
            writer.writerow([safe_cell(cell) for cell in (
                local_datetime(event.occurred_at, "%Y-%m-%d %H:%M:%S", zone), zone, who[event.id],
                event.action_label, names.get(event.id, ""),
                event.remote_addr or "On the server (a job or a command)")])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        last_id = batch[-1].id
    yield buffer.getvalue()


FORMULA = re.compile(r"(^|[;,|\t\"'])\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet reads as text: one that could start a formula, here or after a separator, gets a quote."""
    return f"'{value}" if value[:1] in ("\t", "\r") or FORMULA.search(value) else value
