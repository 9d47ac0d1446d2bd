"""job leases and enqueue marks, mail that could not be sent, and exports that expire

Revision ID: 0018
Revises: 0017

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

JOB_TIMES = ('enqueued_at', 'lease_until', 'expires_at', 'deleted_at')
MAIL_TIMES = ('enqueued_at', 'failed_at')


def upgrade():
    with op.batch_alter_table('background_jobs') as table:
        for name in JOB_TIMES:
            table.add_column(sa.Column(name, sa.DateTime(), nullable=True))
        table.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('outgoing_emails') as table:
        for name in MAIL_TIMES:
            table.add_column(sa.Column(name, sa.DateTime(), nullable=True))
        table.add_column(sa.Column('practice_id', sa.Integer(), nullable=True))
        table.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        table.add_column(sa.Column('topic', sa.String(80), nullable=False, server_default=''))
        table.create_foreign_key('fk_outgoing_emails_practice_id_practices', 'practices', ['practice_id'], ['id'])
        table.create_foreign_key('fk_outgoing_emails_partner_id_partners', 'partners', ['partner_id'], ['id'])
        table.create_index('ix_outgoing_emails_practice_id', ['practice_id'])
    op.add_column('practices', sa.Column('export_retention_days', sa.Integer(), nullable=False, server_default='7'))


def downgrade():
    op.drop_column('practices', 'export_retention_days')
    with op.batch_alter_table('outgoing_emails') as table:
        table.drop_index('ix_outgoing_emails_practice_id')
        table.drop_constraint('fk_outgoing_emails_partner_id_partners', type_='foreignkey')
        table.drop_constraint('fk_outgoing_emails_practice_id_practices', type_='foreignkey')
        for name in ('topic', 'partner_id', 'practice_id', *reversed(MAIL_TIMES)):
            table.drop_column(name)
    with op.batch_alter_table('background_jobs') as table:
        table.drop_column('attempts')
        for name in reversed(JOB_TIMES):
            table.drop_column(name)
