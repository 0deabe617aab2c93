"""领导批示 (issue 19): leaders' instructions on a whitelist entry and their thread of steps

Revision ID: e7a9c1b3d5f8
Revises: b0d2f4a6c8e3
Create Date: 2026-12-06 16:30:00

"""
from alembic import op
import sqlalchemy as sa

import crm.types


revision = 'e7a9c1b3d5f8'
down_revision = 'b0d2f4a6c8e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'instructions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', crm.types.UTCDateTime(), nullable=False),
        sa.Column('acknowledged_at', crm.types.UTCDateTime(), nullable=True),
        sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
        sa.Column('reported_at', crm.types.UTCDateTime(), nullable=True),
        sa.Column('report', sa.Text(), nullable=True),
        sa.Column('closed_at', crm.types.UTCDateTime(), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', crm.types.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'],
                                name=op.f('fk_instructions_acknowledged_by_id_users')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_instructions_author_id_users')),
        sa.ForeignKeyConstraint(['entry_id'], ['whitelist_entries.id'],
                                name=op.f('fk_instructions_entry_id_whitelist_entries')),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_instructions_task_id_tasks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_instructions')),
    )
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.create_index('ix_instructions_author_status', ['author_id', 'status'], unique=False)
        batch_op.create_index('ix_instructions_entry_status', ['entry_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_instructions_task_id'), ['task_id'], unique=False)
    op.create_table(
        'instruction_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instruction_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=12), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('at', crm.types.UTCDateTime(), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_instruction_steps_actor_id_users')),
        sa.ForeignKeyConstraint(['instruction_id'], ['instructions.id'],
                                name=op.f('fk_instruction_steps_instruction_id_instructions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_steps')),
    )
    with op.batch_alter_table('instruction_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruction_steps_instruction_id'), ['instruction_id'], unique=False)


def downgrade():
    # The 批办's tasks (kind 'instruction') stay: they are ordinary follow-ups of the target without the
    # instructions, still listed in the owners' tasks; their kind is shown as such.
    op.execute("UPDATE tasks SET kind = 'followup' WHERE kind = 'instruction'")
    with op.batch_alter_table('instruction_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruction_steps_instruction_id'))
    op.drop_table('instruction_steps')
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instructions_task_id'))
        batch_op.drop_index('ix_instructions_entry_status')
        batch_op.drop_index('ix_instructions_author_status')
    op.drop_table('instructions')
