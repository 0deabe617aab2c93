"""server-side sessions and login throttling (issue 20): a row per signed-in browser (logout, a new password and
"sign out everywhere" delete them), the login attempts' known device and throttled mark, an index for counting an
address's failures, and the managers' clearances of a user name's or an address's failures

Revision ID: a9c1e3f5b7d2
Revises: e7a9c1b3d5f8
Create Date: 2026-12-06 16:30:00

"""

from alembic import op
import sqlalchemy as sa

import crm.types


revision = "a9c1e3f5b7d2"
down_revision = "e7a9c1b3d5f8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", crm.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", crm.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", crm.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "login_throttle_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("cleared_by_id", sa.Integer(), nullable=False),
        sa.Column("at", crm.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cleared_by_id"], ["users.id"], name=op.f("fk_login_throttle_resets_cleared_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle_resets")),
    )
    with op.batch_alter_table("login_throttle_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttle_resets_ip"), ["ip"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_throttle_resets_username"), ["username"], unique=False)
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("throttled", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index("ix_login_attempts_ip_at", ["ip", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_ip_at")
        batch_op.drop_column("throttled")
        batch_op.drop_column("device")
    with op.batch_alter_table("login_throttle_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_resets_username"))
        batch_op.drop_index(batch_op.f("ix_login_throttle_resets_ip"))
    op.drop_table("login_throttle_resets")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")
