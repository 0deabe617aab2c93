"""crm_short_grams in PL/pgSQL (PostgreSQL): the same characters and pairs, a fifth of the time per call

The function of migration c2d4e6f8a0b1 (two generate_series, a UNION ALL and array_agg(DISTINCT)) took ~16 µs
per name. Where PostgreSQL reads a search's candidates from the user's scope and checks each name rather than
reading the index (a lead's 1,000-odd targets against "hx": three such calls per target, 46 ms of a 51-ms
statement), that was the search's cost. This body builds the same set (its characters from string_to_array, then
each adjacent pair) in ~3.4 µs; it may repeat an element, which neither `@>` nor a GIN index (it keeps each key
once) can tell. The gram indexes are rebuilt with it all the same (REINDEX), so no index holds what another body
computed. SQLite: nothing to do.

Revision ID: e1a3c5b7d9f2
Revises: d8f0a2c4e6b9
Create Date: 2026-12-08 02:50:00

"""

from alembic import op

revision = "e1a3c5b7d9f2"
down_revision = "d8f0a2c4e6b9"
branch_labels = None
depends_on = None

FUNCTION = "crm_short_grams"
INDEXES = (  # migration c2d4e6f8a0b1's
    "ix_enterprises_name_key_grams",
    "ix_enterprises_name_en_grams",
    "ix_enterprises_name_initials_grams",
    "ix_projects_name_grams",
)
FAST = f"""CREATE OR REPLACE FUNCTION {FUNCTION}(t text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
        grams text[] := string_to_array(t, NULL);
    BEGIN
        FOR i IN 1 .. char_length(t) - 1 LOOP
            grams := grams || substr(t, i, 2);
        END LOOP;
        RETURN grams;
    END
    $$"""
# migration c2d4e6f8a0b1's body, for the downgrade
SLOW = f"""CREATE OR REPLACE FUNCTION {FUNCTION}(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT g), '{{}}') FROM (
            SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i
            UNION ALL
            SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
        ) AS grams
    $$"""


def _replace(body: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(body)
    for name in INDEXES:
        op.execute(f"REINDEX INDEX {name}")


def upgrade():
    _replace(FAST)


def downgrade():
    _replace(SLOW)
