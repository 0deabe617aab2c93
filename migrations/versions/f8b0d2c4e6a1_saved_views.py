"""saved views (issue 19): a list's filters, sort and columns under a name, private or shared with a team, a
county or the city (lockable by the owner), and the views users pin to their start page

Revision ID: f8b0d2c4e6a1
Revises: d6e8f0a2b4c7


Create Date: 2026-12-06 16:30:00

"""
from alembic import op
import sqlalchemy as sa

import crm.types


revision = 'f8b0d2c4e6a1'
down_revision = 'd6e8f0a2b4c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('list_key', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('audience', sa.String(length=10), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.Column('created_at', crm.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', crm.types.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_views_owner_id_users')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_saved_views_region_id_regions')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_saved_views_team_id_teams')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
        sa.UniqueConstraint('owner_id', 'list_key', 'name', name=op.f('uq_saved_views_owner_id')),
    )
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_views_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_views_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_views_team_id'), ['team_id'], unique=False)
    op.create_table(
        'saved_view_pins',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('view_id', sa.Integer(), nullable=False),
        sa.Column('pinned_at', crm.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_view_pins_user_id_users')),
        sa.ForeignKeyConstraint(['view_id'], ['saved_views.id'], name=op.f('fk_saved_view_pins_view_id_saved_views'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'view_id', name=op.f('pk_saved_view_pins')),
    )
    with op.batch_alter_table('saved_view_pins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_view_pins_view_id'), ['view_id'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_view_pins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_view_pins_view_id'))
    op.drop_table('saved_view_pins')
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_views_team_id'))
        batch_op.drop_index(batch_op.f('ix_saved_views_region_id'))
        batch_op.drop_index(batch_op.f('ix_saved_views_owner_id'))
    op.drop_table('saved_views')
