"""mail claims, so one message is sent by one worker, and the clinician a failed message concerns; an expiry for exports finished before 0018

Revision ID: 0019
Revises: 0018

Exports finished before 0018 had no `expires_at`, so the sweep never erased
them: they are given the expiry they would have had (finished, plus their
practice's retention), and the next sweep erases those already past it.

"""
from datetime import datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_emails') as table:
        table.add_column(sa.Column('sending_until', sa.DateTime(), nullable=True))
        table.add_column(sa.Column('clinician_id', sa.Integer(), nullable=True))
        table.create_foreign_key('fk_outgoing_emails_clinician_id_clinicians', 'clinicians', ['clinician_id'], ['id'])
    connection = op.get_bind()
    unexpiring = connection.execute(sa.text(
        "SELECT background_jobs.id, COALESCE(background_jobs.finished_at, background_jobs.created_at), "
        "practices.export_retention_days FROM background_jobs "
        "JOIN clinicians ON clinicians.id = background_jobs.clinician_id "
        "JOIN practices ON practices.id = clinicians.practice_id "
        "WHERE background_jobs.status = 'done' AND background_jobs.expires_at IS NULL "
        "AND background_jobs.deleted_at IS NULL"
    )).all()
    expire = sa.text("UPDATE background_jobs SET expires_at = :expires WHERE id = :id").bindparams(
        sa.bindparam("expires", type_=sa.DateTime()))  # stored as the column's type stores it, on either database
    for job_id, finished_at, days in unexpiring:
        connection.execute(expire, {"expires": _as_datetime(finished_at) + timedelta(days=days), "id": job_id})


def _as_datetime(value):
    """SQLite hands a raw SELECT's timestamp back as text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def downgrade():
    with op.batch_alter_table('outgoing_emails') as table:
        table.drop_constraint('fk_outgoing_emails_clinician_id_clinicians', type_='foreignkey')
        table.drop_column('clinician_id')
        table.drop_column('sending_until')
