"""partner portal access

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:57:49.533276

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['clinicians.id'], name=op.f('fk_partner_invitations_created_by_id_clinicians')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_invitations_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_partner_invitations_token_hash'))
    )
    with op.batch_alter_table('partner_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_invitations_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        # Existing partners get an empty token: it never matches, and setting a
        # password from an invitation issues a real one.
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('activated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('access_revoked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_partners_email'), ['email'], unique=False)

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.alter_column('session_token', server_default=None)


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_email'))
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('access_revoked_at')
        batch_op.drop_column('activated_at')
        batch_op.drop_column('session_token')
        batch_op.drop_column('password_hash')

    with op.batch_alter_table('partner_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_invitations_partner_id'))

    op.drop_table('partner_invitations')
