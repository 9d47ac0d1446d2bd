"""The audit trail's pages: a clinician reads their couples' trails, the owner the practice's."""
