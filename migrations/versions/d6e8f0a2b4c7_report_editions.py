"""report editions and screen links (issue 18): the weekly and monthly reports built, with their files (a
notification may carry one as its email's attachment); the big screen's revocable addresses

Revision ID: d6e8f0a2b4c7
Revises: c5d7e9f1a3b6
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import crm.types


revision = 'd6e8f0a2b4c7'
down_revision = 'c5d7e9f1a3b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_editions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=False),
        sa.Column('docx', sa.LargeBinary(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('built_at', crm.types.UTCDateTime(), nullable=False),
        sa.Column('built_by_id', sa.Integer(), nullable=True),
        sa.Column('rebuilt_at', crm.types.UTCDateTime(), nullable=True),
        sa.Column('rebuilt_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['built_by_id'], ['users.id'], name=op.f('fk_report_editions_built_by_id_users')),
        sa.ForeignKeyConstraint(['rebuilt_by_id'], ['users.id'], name=op.f('fk_report_editions_rebuilt_by_id_users')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_report_editions_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_editions')),
        sa.UniqueConstraint('kind', 'scope', 'period_start', name=op.f('uq_report_editions_kind')),
    )
    with op.batch_alter_table('report_editions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_editions_region_id'), ['region_id'], unique=False)
    op.create_table(
        'screen_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', crm.types.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', crm.types.UTCDateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_seen_at', crm.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_screen_links_created_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_screen_links_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screen_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_screen_links_token_hash')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_edition_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_report_edition_id_report_editions'),
                                    'report_editions', ['report_edition_id'], ['id'])


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_report_edition_id_report_editions'), type_='foreignkey')
        batch_op.drop_column('report_edition_id')
    with op.batch_alter_table('report_editions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_editions_region_id'))
    op.drop_table('report_editions')
    op.drop_table('screen_links')
