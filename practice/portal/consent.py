"""A partner's own consent to show their check-in scores to the other partner, in session handouts.

Only the signed-in partner changes their own answer, and every change is in
the audit trail. Whether a handout then shows scores is decided in
`practice.sharing`, never here; a frozen handout's scores follow that rule
at every download (`frozen.for_partners`), so a no holds from the moment it
is said.
"""

from __future__ import annotations

from practice import audit
from practice.models import Partner, utcnow
from practice.platform.database import writing


def set_score_sharing(partner: Partner, shares: bool) -> bool:
    """Record the partner's yes or no; True if it changed (an unchanged answer records nothing)."""
    with writing():
        if partner.shares_checkin_scores == shares:
            return False
        partner.shares_checkin_scores = shares
        partner.shares_checkin_scores_changed_at = utcnow()
        audit.record(audit.AuditAction.CHANGE, record=partner, practice_id=partner.couple.clinician.practice_id,
                     detail={"setting": "shares_checkin_scores", "now": "yes" if shares else "no"})
    return True
