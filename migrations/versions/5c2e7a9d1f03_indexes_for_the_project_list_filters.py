"""indexes for the project list's agreement and investment-band filters

At 150,000 projects (bench/projects.py) the list's count for `?agreement=` and `?band=` read every project
(30–40 ms on PostgreSQL); with these indexes they are index scans (under 3 ms).

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
        batch_op.create_index(batch_op.f('ix_projects_planned_investment'), ['planned_investment'], unique=False)


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_planned_investment'))
        batch_op.drop_index(batch_op.f('ix_projects_agreement'))
