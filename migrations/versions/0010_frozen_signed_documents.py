"""frozen signed documents: every version of a signed session's two PDFs, and which handout is released

Sessions signed before this revision get no documents here: Twofold freezes
them from the record the first time they are needed (a download, an
amendment, a release or an export), with the reason "frozen_later".

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('reason_text', sa.Text(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('pdf', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['amendment_id'], ['session_amendments.id'], name=op.f('fk_session_documents_amendment_id_session_amendments')),
    sa.ForeignKeyConstraint(['created_by_id'], ['clinicians.id'], name=op.f('fk_session_documents_created_by_id_clinicians')),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'], name=op.f('fk_session_documents_session_id_therapy_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_documents')),
    sa.UniqueConstraint('session_id', 'kind', 'version', name='uq_session_documents_session_kind_version')
    )
    with op.batch_alter_table('session_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_documents_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handout_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.drop_column('handout_version')

    with op.batch_alter_table('session_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_documents_session_id'))

    op.drop_table('session_documents')
