"""sessions, signed notes and amendments

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:28:48.107644

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('therapy_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=12), nullable=False),
    sa.Column('attended', sa.String(length=10), nullable=False),
    sa.Column('focus', sa.Text(), nullable=False),
    sa.Column('interventions', sa.JSON(), nullable=False),
    sa.Column('interventions_other', sa.Text(), nullable=False),
    sa.Column('observations', sa.Text(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('couple_summary', sa.Text(), nullable=False),
    sa.Column('handout_progress', sa.String(length=16), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('handout_released_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinician_id'], ['clinicians.id'], name=op.f('fk_therapy_sessions_clinician_id_clinicians')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_therapy_sessions_couple_id_couples')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['clinicians.id'], name=op.f('fk_therapy_sessions_signed_by_id_clinicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapy_sessions')),
    sa.UniqueConstraint('couple_id', 'number', name='uq_therapy_sessions_couple_number')
    )
    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_therapy_sessions_clinician_id'), ['clinician_id'], unique=False)
        batch_op.create_index('ix_therapy_sessions_couple_starts', ['couple_id', 'starts_at'], unique=False)

    op.create_table('session_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['clinicians.id'], name=op.f('fk_session_amendments_author_id_clinicians')),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'], name=op.f('fk_session_amendments_session_id_therapy_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_amendments'))
    )
    with op.batch_alter_table('session_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_amendments_session_id'), ['session_id'], unique=False)

    op.create_table('session_reviewed_homework',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_session_reviewed_homework_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'], name=op.f('fk_session_reviewed_homework_session_id_therapy_sessions')),
    sa.PrimaryKeyConstraint('session_id', 'assignment_id', name=op.f('pk_session_reviewed_homework'))
    )
    with op.batch_alter_table('session_reviewed_homework', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_reviewed_homework_assignment_id'), ['assignment_id'], unique=False)

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assignments_session_id'), ['session_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assignments_session_id_therapy_sessions'), 'therapy_sessions', ['session_id'], ['id'])

    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_size', sa.String(length=10), server_default='a4', nullable=False))


def downgrade():
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.drop_column('page_size')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignments_session_id_therapy_sessions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assignments_session_id'))
        batch_op.drop_column('session_id')

    with op.batch_alter_table('session_reviewed_homework', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_reviewed_homework_assignment_id'))

    op.drop_table('session_reviewed_homework')
    with op.batch_alter_table('session_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_amendments_session_id'))

    op.drop_table('session_amendments')
    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_therapy_sessions_couple_starts')
        batch_op.drop_index(batch_op.f('ix_therapy_sessions_clinician_id'))

    op.drop_table('therapy_sessions')
