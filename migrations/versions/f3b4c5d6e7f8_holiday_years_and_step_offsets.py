"""holiday years confirmed by an administrator; plan steps keep their template offset

A year the holiday package does not cover was "known" as soon as one of its dates was in the holiday table. Now a
year counts as known only when an administrator marks its State Council notice as entered (holiday_years); the
others follow the provisional statutory schedule (crm.plans.holidays_provisional). No row is made here: years that
already had dates in the table were never confirmed as complete, so they start provisional and the holiday page
asks the administrator to confirm them.

Plan steps keep the template's working-day offset (tasks.offset_workdays) so a re-plan after the holidays change
recomputes a step's due date from its plan's start. Existing steps are filled from the default template's step of
the same name and position; a step added by hand stays NULL (its date is kept). Downgrade drops both (the offset
is derived from the template; the confirmations are lost, as the old schema has nowhere to keep them).

Revision ID: f3b4c5d6e7f8
Revises: f2a3b4c5d6e7
Create Date: 2026-12-04 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b4c5d6e7f8'
down_revision = 'f2a3b4c5d6e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'holiday_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_holiday_years_confirmed_by_id_users')),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_holiday_years')),
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offset_workdays', sa.Integer(), nullable=True))
    op.execute("""
        UPDATE tasks SET offset_workdays = (
            SELECT ts.offset_workdays FROM template_steps ts JOIN plan_templates pt ON pt.id = ts.template_id
            WHERE ts.name = tasks.title AND ts.sort = tasks.sort
            ORDER BY pt.is_default DESC, pt.id LIMIT 1)
        WHERE kind = 'step'
    """)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('offset_workdays')
    op.drop_table('holiday_years')
