"""Connection check-ins: the therapist's side (settings, safety flags, progress) and the shared rules.

The partner's side lives in `practice.portal.checkin_services`, where every query is
filtered by the signed-in partner and safety answers are written, never read.
"""
