"""index for the project list's agreement filter

At 150,000 projects (bench/projects.py) the list's count for `?agreement=` read every project (30–40 ms on
PostgreSQL); with the index it is an index-only scan (under 1 ms). An index on planned_investment for `?band=` was
tried and left out: it cut PostgreSQL's count from ~20 to ~2 ms, but SQLite then read the band's 33,000 projects
through it and sorted them for the page (120 ms instead of under 1 ms walking the signing-date index).

Revision ID: 5c2e7a9d1f03
Revises: 209735a7cf45
Create Date: 2026-12-04 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c2e7a9d1f03'
down_revision = '209735a7cf45'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_agreement'), ['agreement'], unique=False)


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_agreement'))
