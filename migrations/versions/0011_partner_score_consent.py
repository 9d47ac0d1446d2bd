"""each partner's consent to show their check-in scores in couple handouts

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 05:20:00

Every partner starts at "no": a handout shows scores only once both partners
have said yes in their portal.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shares_checkin_scores', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('shares_checkin_scores_changed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('shares_checkin_scores_changed_at')
        batch_op.drop_column('shares_checkin_scores')
