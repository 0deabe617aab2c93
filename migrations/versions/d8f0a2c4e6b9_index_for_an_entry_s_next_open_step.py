"""an index for an entry's next open step: open tasks by entry and due date (partial, status 'open')

The team page orders a team's targets by their next open step, looked up per target (crm.teams.queries
.team_targets): from ix_tasks_entry_id PostgreSQL read every task of the target and filtered the open ones, for
each of a team's ~900 targets at 100,000 entries; from this index it reads the first open one. Only open tasks are
in it (about half of them), so it stays small as the done ones pile up. Both databases support partial indexes.

Revision ID: d8f0a2c4e6b9
Revises: c2d4e6f8a0b1
Create Date: 2026-12-07 23:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d8f0a2c4e6b9"
down_revision = "c2d4e6f8a0b1"
branch_labels = None
depends_on = None

NAME = "ix_tasks_open_entry_due"
OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_index(NAME, "tasks", ["entry_id", "due_date"], postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index(NAME, table_name="tasks")
