"""indexes for a large practice, and background jobs

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-25 19:53:55.463650

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('background_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('arguments', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['clinician_id'], ['clinicians.id'], name=op.f('fk_background_jobs_clinician_id_clinicians')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_background_jobs_couple_id_couples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_jobs'))
    )
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_jobs_clinician_id'), ['clinician_id'], unique=False)

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_partner_status'))
        batch_op.create_index('ix_responses_partner_status', ['partner_id', 'status', 'submitted_at'], unique=False)
        batch_op.create_index('ix_responses_assignment_status', ['assignment_id', 'status', 'submitted_at', 'partner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_assignment_status')
        batch_op.drop_index('ix_responses_partner_status')
        batch_op.create_index(batch_op.f('ix_responses_partner_status'), ['partner_id', 'status'], unique=False)

    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_background_jobs_clinician_id'))

    op.drop_table('background_jobs')