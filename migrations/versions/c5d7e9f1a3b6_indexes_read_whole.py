"""two indexes read whole (issue 16): contact logs by (occurred_at, entry_id, kind) for the weekly rankings, and
whitelist entries by (updated_at, id) for the list's default order; each replaces its one-column index

The rankings count each entry's visits and inbound contacts in a week. With only occurred_at indexed, PostgreSQL
read every heap page holding a week's logs (12,000 pages for 20,000 logs at 1,000,000 logs: 137 ms from disk);
with the three columns in the index it answers from the index alone (15 ms). The new index serves every query the
old one did (occurred_at leads), so the old one goes.

The whitelist list orders by updated_at DESC, id DESC. An import gives thousands of entries the same updated_at,
and with only updated_at indexed PostgreSQL sorted every entry of the first tie (18,000 in the benchmark's data)
to show 20: 44 ms; with (updated_at, id) the page is read from the index in order (7 ms).

Revision ID: c5d7e9f1a3b6
Revises: b8e2f4a6c1d3
Create Date: 2026-12-06 02:40:00

"""
from alembic import op


revision = 'c5d7e9f1a3b6'
down_revision = 'b8e2f4a6c1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_logs', schema=None) as batch_op:
        batch_op.create_index('ix_contact_logs_occurred_entry_kind', ['occurred_at', 'entry_id', 'kind'], unique=False)
        batch_op.drop_index('ix_contact_logs_occurred_at')
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_whitelist_entries_updated_id', ['updated_at', 'id'], unique=False)
        batch_op.drop_index('ix_whitelist_entries_updated_at')


def downgrade():
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_whitelist_entries_updated_at', ['updated_at'], unique=False)
        batch_op.drop_index('ix_whitelist_entries_updated_id')
    with op.batch_alter_table('contact_logs', schema=None) as batch_op:
        batch_op.create_index('ix_contact_logs_occurred_at', ['occurred_at'], unique=False)
        batch_op.drop_index('ix_contact_logs_occurred_entry_kind')
