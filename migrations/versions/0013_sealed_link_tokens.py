"""an outbox of sealed emails, and a new partner link kept sealed until shown once

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-02 05:40:00

Live link tokens used to sit readable in the job queue's payload and in the
session cookie. Outgoing email is now a row with its address, subject and
body encrypted (the queue carries only its id), and a partner's new link is
kept encrypted on its invitation until the therapist's page has shown it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('composer', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_emails'))
    )
    with op.batch_alter_table('partner_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_to_show', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('partner_invitations', schema=None) as batch_op:
        batch_op.drop_column('token_to_show')

    op.drop_table('outgoing_emails')
