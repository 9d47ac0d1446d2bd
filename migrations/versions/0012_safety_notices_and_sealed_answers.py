"""safety notices, escalation hours, and sealed safety answers and flags

Safety answers are sealed (encrypted, bound to table, column and row); a flag
keeps only its couple in clear, its partner and answer move into a sealed
`details` column. Existing rows are converted with the app's data keys (the
migration runs inside the app). Safety notices record every email about a
flag before it is sent.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 05:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    from practice.platform.sealed import seal

    bind = op.get_bind()
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('safety_escalation_hours', sa.Integer(), server_default='24', nullable=False))

    flags = bind.execute(sa.text("SELECT id, partner_id, safety_answer_id, couple_id FROM safety_flags")).all()
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.Text(), nullable=True))
    for row_id, partner_id, answer_id, couple_id in flags:
        details = {"partner_id": partner_id, "safety_answer_id": answer_id}
        token = seal(details, "safety_flags", "details", row_id, {"couple_id": couple_id})
        bind.execute(sa.text("UPDATE safety_flags SET details = :token WHERE id = :id"), {"token": token, "id": row_id})
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.alter_column('details', existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint('uq_safety_flags_safety_answer_id', type_='unique')
        batch_op.drop_constraint('fk_safety_flags_partner_id_partners', type_='foreignkey')
        batch_op.drop_constraint('fk_safety_flags_safety_answer_id_safety_answers', type_='foreignkey')
        batch_op.drop_column('partner_id')
        batch_op.drop_column('safety_answer_id')

    # After the flags let go of safety_answers: SQLite rebuilds the table, which a foreign key would block.
    answers = bind.execute(sa.text(
        "SELECT id, answer, checkin_id, partner_id, couple_id FROM safety_answers")).all()
    with op.batch_alter_table('safety_answers', schema=None) as batch_op:
        batch_op.alter_column('answer', existing_type=sa.String(length=8), type_=sa.Text(), existing_nullable=False)
    for row_id, answer, checkin_id, partner_id, couple_id in answers:
        owners = {"checkin_id": checkin_id, "partner_id": partner_id, "couple_id": couple_id}
        bind.execute(sa.text("UPDATE safety_answers SET answer = :token WHERE id = :id"),
                     {"token": seal(answer, "safety_answers", "answer", row_id, owners), "id": row_id})

    op.create_table('safety_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinician_id'], ['clinicians.id'], name=op.f('fk_safety_notices_clinician_id_clinicians')),
    sa.ForeignKeyConstraint(['flag_id'], ['safety_flags.id'], name=op.f('fk_safety_notices_flag_id_safety_flags')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_notices')),
    sa.UniqueConstraint('flag_id', 'stage', 'clinician_id', name='uq_safety_notices_flag_stage_clinician')
    )
    with op.batch_alter_table('safety_notices', schema=None) as batch_op:
        batch_op.create_index('ix_safety_notices_state', ['state'], unique=False)


def downgrade():
    from practice.platform.sealed import unseal

    bind = op.get_bind()
    with op.batch_alter_table('safety_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_notices_state')
    op.drop_table('safety_notices')

    # Before the flags point at safety_answers again (SQLite rebuilds that table).
    answers = bind.execute(sa.text(
        "SELECT id, answer, checkin_id, partner_id, couple_id FROM safety_answers")).all()
    for row_id, token, checkin_id, partner_id, couple_id in answers:
        owners = {"checkin_id": checkin_id, "partner_id": partner_id, "couple_id": couple_id}
        bind.execute(sa.text("UPDATE safety_answers SET answer = :a WHERE id = :id"),
                     {"a": unseal(token, "safety_answers", "answer", row_id, owners), "id": row_id})
    with op.batch_alter_table('safety_answers', schema=None) as batch_op:
        batch_op.alter_column('answer', existing_type=sa.Text(), type_=sa.String(length=8), existing_nullable=False)

    flags = bind.execute(sa.text("SELECT id, details, couple_id FROM safety_flags")).all()
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('safety_answer_id', sa.Integer(), nullable=True))
    for row_id, token, couple_id in flags:
        details = unseal(token, "safety_flags", "details", row_id, {"couple_id": couple_id})
        bind.execute(sa.text("UPDATE safety_flags SET partner_id = :p, safety_answer_id = :a WHERE id = :id"),
                     {"p": details["partner_id"], "a": details["safety_answer_id"], "id": row_id})
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.alter_column('partner_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('safety_answer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_safety_flags_partner_id_partners', 'partners', ['partner_id'], ['id'])
        batch_op.create_foreign_key('fk_safety_flags_safety_answer_id_safety_answers', 'safety_answers',
                                    ['safety_answer_id'], ['id'])
        batch_op.create_unique_constraint('uq_safety_flags_safety_answer_id', ['safety_answer_id'])
        batch_op.drop_column('details')

    if bind.dialect.name == 'sqlite':  # natively: a batch rebuild of practices is blocked by the rows pointing at it
        bind.exec_driver_sql("ALTER TABLE practices DROP COLUMN safety_escalation_hours")
    else:
        op.drop_column('practices', 'safety_escalation_hours')
