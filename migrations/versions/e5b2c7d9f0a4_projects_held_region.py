"""each project carries its target's county (held_region_id) for the county's project list; the list's order
indexed whole

A county head sees the projects that land in the county and those its targets hold elsewhere. The second half was
"its entry is in my county", a subquery inside an OR that made PostgreSQL read all 150,000 projects for the list's
count (bench/projects.py: 48 ms, where the whitelist list's county count takes 2). With the entry's county on the
project the scope is `region_id = r OR held_region_id = r`, two index lookups (13 ms). Filled from the entries;
downgrade drops the column (derived: nothing is lost).

The list is ordered by signing date, then id; with an index on the date alone PostgreSQL read and sorted every
project of the latest signing day for a page of 20 (5,281 rows, 9 ms). The index now holds (signed_on, id).
And (state, signed_on) for the lights' "signed, not registered since X": SQLite read the 94,000 signed projects one
by one to test their date (the red filter's count 104 → 24 ms).

Revision ID: e5b2c7d9f0a4
Revises: d4f9a2b6c8e1
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b2c7d9f0a4'
down_revision = 'd4f9a2b6c8e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_region_id', sa.Integer(), nullable=True))
    op.execute("""
        UPDATE projects SET held_region_id = (
            SELECT w.region_id FROM whitelist_entries w WHERE w.id = projects.entry_id)
    """)
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.alter_column('held_region_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_projects_held_region', ['held_region_id', 'region_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_projects_held_region_id_regions'), 'regions', ['held_region_id'], ['id'])
        batch_op.drop_index('ix_projects_signed_on')
        batch_op.create_index('ix_projects_signed_on_id', ['signed_on', 'id'], unique=False)
        batch_op.create_index('ix_projects_state_signed', ['state', 'signed_on'], unique=False)
    op.execute("ANALYZE projects")


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_state_signed')
        batch_op.drop_index('ix_projects_signed_on_id')
        batch_op.create_index('ix_projects_signed_on', ['signed_on'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_projects_held_region_id_regions'), type_='foreignkey')
        batch_op.drop_index('ix_projects_held_region')
        batch_op.drop_column('held_region_id')
