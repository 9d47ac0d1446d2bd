"""safety-aware suggestions: how long a safety flag applies, the restructuring milestones, and the (encrypted) reason for going ahead with joint work under a flag

Revision ID: 0016
Revises: 0015

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('practices', sa.Column('safety_flag_weeks', sa.Integer(), nullable=False, server_default='8'))
    op.add_column('couples', sa.Column('withdrawer_reengaged_on', sa.Date(), nullable=True))
    op.add_column('couples', sa.Column('softening_on', sa.Date(), nullable=True))
    op.add_column('assignments', sa.Column('safety_reason', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('assignments', 'safety_reason')
    op.drop_column('couples', 'softening_on')
    op.drop_column('couples', 'withdrawer_reengaged_on')
    op.drop_column('practices', 'safety_flag_weeks')
