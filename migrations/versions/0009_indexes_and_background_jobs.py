"""indexes for pages at a large practice's size

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-25 19:45:13.704234

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_partner_status'))
        batch_op.create_index('ix_responses_partner_status', ['partner_id', 'status', 'submitted_at'], unique=False)
        batch_op.create_index('ix_responses_assignment_status', ['assignment_id', 'status', 'submitted_at', 'partner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_assignment_status')
        batch_op.drop_index('ix_responses_partner_status')
        batch_op.create_index(batch_op.f('ix_responses_partner_status'), ['partner_id', 'status'], unique=False)
