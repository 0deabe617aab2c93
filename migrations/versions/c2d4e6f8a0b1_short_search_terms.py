"""search terms of one or two characters from an index (PostgreSQL): 华夏, 轴承, hx

Chinese users mostly type two characters, and a trigram index cannot answer a term shorter than a trigram: every
such search read all 100,000 enterprises twice (the page and its count, 60 ms each). `crm_short_grams(text)` is
the set of a text's characters and pairs of adjacent characters; a GIN index over it answers "contains this one
or two-character term" exactly (`@>`), for the names' key, the English name and the pinyin initials of
enterprises, and for project names. Longer terms keep the trigram indexes. SQLite: nothing to do (its FTS5
trigram table cannot answer such terms either, and the app compares them with the column, as before).

Revision ID: c2d4e6f8a0b1
Revises: a9c1e3f5b7d2
Create Date: 2026-12-07 13:00:00

"""

from alembic import op

revision = "c2d4e6f8a0b1"
down_revision = "a9c1e3f5b7d2"
branch_labels = None
depends_on = None

FUNCTION = "crm_short_grams"
# index name: (table, the indexed expression); crm.enterprises.search and crm.projects.queries write the same.
INDEXES = {
    "ix_enterprises_name_key_grams": ("enterprises", f"{FUNCTION}(name_key)"),
    "ix_enterprises_name_en_grams": ("enterprises", f"{FUNCTION}(lower(name_en))"),
    "ix_enterprises_name_initials_grams": ("enterprises", f"{FUNCTION}(name_initials)"),
    "ix_projects_name_grams": ("projects", f"{FUNCTION}(lower(name))"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}(t text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT coalesce(array_agg(DISTINCT g), '{{}}') FROM (
                SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i
                UNION ALL
                SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
            ) AS grams
        $$"""
    )
    for name, (table, expression) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text)")
