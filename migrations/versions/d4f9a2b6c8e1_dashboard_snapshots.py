"""dashboard snapshots: the figures of each scope computed ahead by the scheduler

A city's figures take 1.5–2 s to compute at 100,000 entries and 150,000 projects (bench/projects.py); the
scheduler now computes them every few minutes and the page reads one row (crm/dashboard/snapshots.py). No data to
move: the table fills on the scheduler's first pass (or the first page view); downgrade drops it.

Revision ID: d4f9a2b6c8e1
Revises: c3e8f0a1b2d4
Create Date: 2026-12-04 19:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f9a2b6c8e1'
down_revision = 'c3e8f0a1b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_snapshots')),
    sa.UniqueConstraint('scope', 'year', 'day', name=op.f('uq_dashboard_snapshots_scope'))
    )


def downgrade():
    op.drop_table('dashboard_snapshots')
