"""The audit trail: record who viewed, changed or exported what, and prove nobody rewrote it."""

from practice.audit.services import email_digest, record, refused, viewed
from practice.models.audit import AuditAction

__all__ = ["AuditAction", "email_digest", "record", "refused", "viewed"]
