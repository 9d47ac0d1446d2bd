"""Audit trail pages: clinicians see their couples' trails, owners the practice's."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from practice.audit_pages import services
from practice.audit_pages.forms import AuditFilterForm
from practice.auth.guards import require_clinician, require_owner
from practice.authz import couple_for_clinician_or_404
from practice.extensions import db
from practice.web.pagination import page_number

bp = Blueprint("audit", __name__, url_prefix="/couples")
bp.before_request(require_clinician)

owner_bp = Blueprint("practice_audit", __name__, url_prefix="/practice")
owner_bp.before_request(require_owner)


def paginate(query):
    """One page of events, newest first, and who did each."""
    page = db.paginate(query, per_page=current_app.config["AUDIT_EVENTS_PER_PAGE"], error_out=False, page=page_number())
    return page, services.actor_labels(page.items, current_user.practice_id)


@bp.get("/<int:couple_id>/audit")
def couple_trail(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    page, who = paginate(services.couple_trail(couple))
    return render_template("audit/couple.html", couple=couple, page=page, who=who)


@owner_bp.get("/audit")
def practice_trail():
    filters = AuditFilterForm(request.args)
    action = filters.action.data if filters.validate() else None
    page, who = paginate(services.practice_trail(current_user.practice_id, action))
    return render_template("audit/practice.html", page=page, who=who, filters=filters)
