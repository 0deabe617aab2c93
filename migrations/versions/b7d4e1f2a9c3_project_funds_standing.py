"""each project's 到位资金 standing (verified so far, first month behind the plan) for its light

The project list's red filter and the dashboard's project lights summed every plan row due and every verified
arrival on each request (bench/projects.py, 150,000 projects: the red page 304 ms where the whitelist list's takes
104 ms). The two columns keep what that sum decided (crm.projects.standing); this migration fills them from the
records, with the same rule: the verified total, and the first planned month whose running total exceeds it.
Downgrade drops the two columns (nothing is lost: they are derived).

Revision ID: b7d4e1f2a9c3
Revises: 5c2e7a9d1f03
Create Date: 2026-12-04 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e1f2a9c3'
down_revision = '5c2e7a9d1f03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funds_verified', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('funds_behind_from', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_projects_funds_behind_from'), ['funds_behind_from'], unique=False)
    op.execute("""
        UPDATE projects SET funds_verified = COALESCE((
            SELECT SUM(f.fixed_amount + f.other_amount) FROM fund_arrivals f
            JOIN fund_returns r ON r.id = f.return_id
            WHERE f.project_id = projects.id AND r.status = 'verified'), 0)
    """)
    op.execute("""
        UPDATE projects SET funds_behind_from = (
            SELECT MIN(p.month) FROM fund_plans p
            WHERE p.project_id = projects.id AND (
                SELECT SUM(q.amount) FROM fund_plans q WHERE q.project_id = p.project_id AND q.month <= p.month
            ) > CASE WHEN projects.funds_verified > 0 THEN projects.funds_verified ELSE 0 END)
    """)
    op.execute("ANALYZE projects")


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_funds_behind_from'))
        batch_op.drop_column('funds_behind_from')
        batch_op.drop_column('funds_verified')
