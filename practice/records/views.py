"""Exporting a couple's record: clinician only, for their own couples."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, send_file
from flask_login import current_user

from practice.auth.guards import require_clinician
from practice.authz import couple_for_clinician_or_404
from practice.records.export import export_couple

bp = Blueprint("records", __name__, url_prefix="/couples")
bp.before_request(require_clinician)


@bp.post("/<int:couple_id>/export")
def export(couple_id: int):
    couple = couple_for_clinician_or_404(couple_id)
    result = export_couple(couple, current_user._get_current_object())
    return send_file(BytesIO(result.data), mimetype="application/zip", as_attachment=True,
                     download_name=result.filename)
