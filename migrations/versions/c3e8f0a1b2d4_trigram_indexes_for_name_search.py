"""trigram indexes for searching project and enterprise names by any part (PostgreSQL)

The project list's search (`?q=精密机械`) matched `LIKE '%…%'` over 150,000 project names and 100,000 enterprise
names by reading every row (bench/projects.py: 155 ms, count 89 ms). pg_trgm's GIN indexes answer a substring
LIKE / ILIKE of three characters or more from the index (the count 89 → 35 ms with the search written as a UNION,
crm.projects.queries.clauses); the whitelist list's search by enterprise name uses the same index. pg_trgm is a
trusted extension (PostgreSQL 13+): the database's owner may create it. SQLite: nothing to do here.

Revision ID: c3e8f0a1b2d4
Revises: b7d4e1f2a9c3
Create Date: 2026-12-04 18:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3e8f0a1b2d4'
down_revision = 'b7d4e1f2a9c3'
branch_labels = None
depends_on = None

INDEXES = {"ix_projects_name_trgm": "projects", "ix_enterprises_name_trgm": "enterprises"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The operator class lives in the extension's schema, which need not be on the search path (a database whose
    # extension was created in public, migrated here under another schema).
    schema = op.get_bind().exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).scalar()
    for name, table in INDEXES.items():
        op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (name "{schema}".gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
