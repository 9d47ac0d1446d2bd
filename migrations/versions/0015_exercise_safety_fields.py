"""what each exercise version declares about safety: never shared, one partner only, practise in session first, the safety line, vulnerable work, a named concern

Revision ID: 0015
Revises: 0014

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

FIELDS = ('never_shared', 'one_partner_only', 'practise_in_session_first', 'safety_line', 'vulnerable',
          'needs_named_concern')


def upgrade():
    # Versions written before these fields existed declared none of them. The default stays in the
    # schema: removing it would make SQLite rebuild a table that assignments point at.
    for name in FIELDS:
        op.add_column('exercise_versions', sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    for name in reversed(FIELDS):
        op.drop_column('exercise_versions', name)
