"""structured crisis numbers: an emergency number, a crisis line and a domestic-violence line, each with a label

Revision ID: 0017
Revises: 0016

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

COLUMNS = (
    ('emergency_label', 80), ('emergency_number', 30),
    ('crisis_line_label', 80), ('crisis_line_number', 30),
    ('dv_line_label', 80), ('dv_line_number', 30),
)


def upgrade():
    for name, length in COLUMNS:
        op.add_column('practices', sa.Column(name, sa.String(length), nullable=False, server_default=''))


def downgrade():
    for name, _ in reversed(COLUMNS):
        op.drop_column('practices', name)
