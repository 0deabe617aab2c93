"""indexes for the lights in SQL: open plan steps by due date, worked entries by last contact

The red/yellow light filter of the whitelist list (and the dashboard's light counts) asks for the open plan steps
due by a date and for the worked entries' last contact and plan start (crm.plans.lights.light_clause). Without
these indexes PostgreSQL read all 224,000 tasks for the first, and the entries' rows for the second, twice per
list page (bench/pages.py: the red-light list at 100,000 entries).

Revision ID: 8a1b3d744171
Revises: 528612758f5a
Create Date: 2026-11-26 13:33:09.174348

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8a1b3d744171'
down_revision = '528612758f5a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_status_kind_due', ['status', 'kind', 'due_date', 'entry_id'], unique=False)
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_whitelist_entries_state_contact', ['state', 'last_contact_at', 'plan_start', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_whitelist_entries_state_contact')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_status_kind_due')
