"""check-ins, safety answers and flags

Check-ins per partner and period; safety answers and flags in tables of their
own, joined only by clinician-scoped queries; per-couple check-in settings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:29:32.947199

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('closeness', sa.SmallInteger(), nullable=True),
    sa.Column('understood', sa.SmallInteger(), nullable=True),
    sa.Column('appreciated', sa.SmallInteger(), nullable=True),
    sa.Column('affection', sa.SmallInteger(), nullable=True),
    sa.Column('time_together', sa.SmallInteger(), nullable=True),
    sa.Column('trust', sa.SmallInteger(), nullable=True),
    sa.Column('intimacy', sa.SmallInteger(), nullable=True),
    sa.Column('overall', sa.SmallInteger(), nullable=True),
    sa.Column('note_to_therapist', sa.Text(), nullable=False),
    sa.Column('draft_saved_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('affection BETWEEN 0 AND 6', name=op.f('ck_checkins_affection_range')),
    sa.CheckConstraint('appreciated BETWEEN 0 AND 6', name=op.f('ck_checkins_appreciated_range')),
    sa.CheckConstraint('closeness BETWEEN 0 AND 6', name=op.f('ck_checkins_closeness_range')),
    sa.CheckConstraint('intimacy BETWEEN 0 AND 6', name=op.f('ck_checkins_intimacy_range')),
    sa.CheckConstraint('overall BETWEEN 0 AND 6', name=op.f('ck_checkins_overall_range')),
    sa.CheckConstraint('time_together BETWEEN 0 AND 6', name=op.f('ck_checkins_time_together_range')),
    sa.CheckConstraint('trust BETWEEN 0 AND 6', name=op.f('ck_checkins_trust_range')),
    sa.CheckConstraint('understood BETWEEN 0 AND 6', name=op.f('ck_checkins_understood_range')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_checkins_couple_id_couples')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_checkins_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('partner_id', 'period_start', name='uq_checkins_partner_period')
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_couple_period', ['couple_id', 'period_start'], unique=False)

    op.create_table('safety_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_safety_answers_checkin_id_checkins')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_safety_answers_couple_id_couples')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_safety_answers_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_answers')),
    sa.UniqueConstraint('checkin_id', name=op.f('uq_safety_answers_checkin_id'))
    )
    with op.batch_alter_table('safety_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_answers_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_answers_partner_id'), ['partner_id'], unique=False)

    op.create_table('safety_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('safety_answer_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledgement_note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['clinicians.id'], name=op.f('fk_safety_flags_acknowledged_by_id_clinicians')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_safety_flags_couple_id_couples')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_safety_flags_partner_id_partners')),
    sa.ForeignKeyConstraint(['safety_answer_id'], ['safety_answers.id'], name=op.f('fk_safety_flags_safety_answer_id_safety_answers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_flags')),
    sa.UniqueConstraint('safety_answer_id', name=op.f('uq_safety_flags_safety_answer_id'))
    )
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.create_index('ix_safety_flags_couple_open', ['couple_id', 'acknowledged_at'], unique=False)

    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_cadence_days', sa.Integer(), server_default='7', nullable=False))
        batch_op.add_column(sa.Column('checkins_paused', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.drop_column('checkins_paused')
        batch_op.drop_column('checkin_cadence_days')

    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_flags_couple_open')

    op.drop_table('safety_flags')
    with op.batch_alter_table('safety_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_answers_partner_id'))
        batch_op.drop_index(batch_op.f('ix_safety_answers_couple_id'))

    op.drop_table('safety_answers')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_couple_period')

    op.drop_table('checkins')
