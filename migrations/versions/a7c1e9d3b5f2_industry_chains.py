"""industry chains (产业链): chains, their links and nodes, the counties that carry them, local firms on the nodes
and the chains' edit trail; enterprises get a kind ('target', or 'local' for 本地企业) and whitelist entries the
chain node they fill.

Data: every enterprise on file is a 'target' (the only kind there was) through the column's server default, and no
entry fills a node until someone says so; downgrade drops the tables and the two columns (a local firm becomes an
ordinary enterprise record again, which is what it was before).

Revision ID: a7c1e9d3b5f2
Revises: f3b4c5d6e7f8
Create Date: 2026-12-04 22:50:48.157425

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c1e9d3b5f2'
down_revision = 'f3b4c5d6e7f8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('chief_id', sa.Integer(), nullable=True),
    sa.Column('lead_department', sa.String(length=64), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chief_id'], ['users.id'], name=op.f('fk_chains_chief_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chains')),
    sa.UniqueConstraint('name', name=op.f('uq_chains_name'))
    )
    with op.batch_alter_table('chains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chains_chief_id'), ['chief_id'], unique=False)

    op.create_table('chain_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_chain_events_actor_id_users')),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_chain_events_chain_id_chains')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_events'))
    )
    with op.batch_alter_table('chain_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_events_chain_id'), ['chain_id'], unique=False)

    op.create_table('chain_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_chain_links_chain_id_chains')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_links')),
    sa.UniqueConstraint('chain_id', 'name', name=op.f('uq_chain_links_chain_id'))
    )
    with op.batch_alter_table('chain_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_links_chain_id'), ['chain_id'], unique=False)

    op.create_table('chain_regions',
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_chain_regions_chain_id_chains')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_chain_regions_region_id_regions')),
    sa.PrimaryKeyConstraint('chain_id', 'region_id', name=op.f('pk_chain_regions'))
    )
    with op.batch_alter_table('chain_regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_regions_region_id'), ['region_id'], unique=False)

    op.create_table('chain_nodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('industry_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_chain_nodes_chain_id_chains')),
    sa.ForeignKeyConstraint(['industry_id'], ['industries.id'], name=op.f('fk_chain_nodes_industry_id_industries')),
    sa.ForeignKeyConstraint(['link_id'], ['chain_links.id'], name=op.f('fk_chain_nodes_link_id_chain_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_nodes')),
    sa.UniqueConstraint('chain_id', 'name', name=op.f('uq_chain_nodes_chain_id'))
    )
    with op.batch_alter_table('chain_nodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_nodes_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chain_nodes_industry_id'), ['industry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chain_nodes_link_id'), ['link_id'], unique=False)

    op.create_table('node_firms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_node_firms_created_by_id_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_node_firms_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['node_id'], ['chain_nodes.id'], name=op.f('fk_node_firms_node_id_chain_nodes')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_node_firms_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_node_firms')),
    sa.UniqueConstraint('node_id', 'enterprise_id', name=op.f('uq_node_firms_node_id'))
    )
    with op.batch_alter_table('node_firms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_node_firms_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_node_firms_node_id'), ['node_id'], unique=False)
        batch_op.create_index('ix_node_firms_region_node', ['region_id', 'node_id'], unique=False)

    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='target', nullable=False))
        batch_op.create_index(batch_op.f('ix_enterprises_kind'), ['kind'], unique=False)
        # A chain node's candidates are read by industry (crm/chains/recommend.py).
        batch_op.create_index(batch_op.f('ix_enterprises_industry_id'), ['industry_id'], unique=False)

    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_node_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_whitelist_entries_chain_node_id'), ['chain_node_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_whitelist_entries_chain_node_id_chain_nodes'), 'chain_nodes', ['chain_node_id'], ['id'])



def downgrade():
    with op.batch_alter_table('whitelist_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_whitelist_entries_chain_node_id_chain_nodes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_whitelist_entries_chain_node_id'))
        batch_op.drop_column('chain_node_id')

    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_industry_id'))
        batch_op.drop_index(batch_op.f('ix_enterprises_kind'))
        batch_op.drop_column('kind')

    with op.batch_alter_table('node_firms', schema=None) as batch_op:
        batch_op.drop_index('ix_node_firms_region_node')
        batch_op.drop_index(batch_op.f('ix_node_firms_node_id'))
        batch_op.drop_index(batch_op.f('ix_node_firms_enterprise_id'))

    op.drop_table('node_firms')
    with op.batch_alter_table('chain_nodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_nodes_link_id'))
        batch_op.drop_index(batch_op.f('ix_chain_nodes_industry_id'))
        batch_op.drop_index(batch_op.f('ix_chain_nodes_chain_id'))

    op.drop_table('chain_nodes')
    with op.batch_alter_table('chain_regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_regions_region_id'))

    op.drop_table('chain_regions')
    with op.batch_alter_table('chain_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_links_chain_id'))

    op.drop_table('chain_links')
    with op.batch_alter_table('chain_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_events_chain_id'))

    op.drop_table('chain_events')
    with op.batch_alter_table('chains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chains_chief_id'))

    op.drop_table('chains')
