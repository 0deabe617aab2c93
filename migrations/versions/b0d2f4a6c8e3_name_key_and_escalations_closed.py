"""one normal form of names for search and the duplicate check (enterprises.name_key, name_norm again); a 督办
closes when its task is done (escalations.closed_at)

Search matched the name as typed, so 中寰重工（山东） did not find 中寰重工(山东) and 雲啟 did not find 云启, while the
duplicate check ignored brackets but not Traditional characters. Both now compare crm.enterprises.names.fold (NFKC,
Traditional → Simplified, every bracket as ( ), whitespace collapsed, Latin case folded):
- enterprises.name_key holds the folded name (filled here for every enterprise); the search box matches it;
- enterprises.name_norm (the duplicate check's key) is derived again from the folded name (it changes only for
  names with Traditional characters);
- PostgreSQL: the trigram index moves from the name (ix_enterprises_name_trgm, c3e8f0a1b2d4) to its key;
- SQLite: the FTS5 table `enterprise_search` indexes name_key instead of name; the table and its triggers are
  made again (create_triggers below, as in b8e2f4a6c1d3).

escalations.closed_at: a 督办 whose task was completed (or cancelled) before anyone acknowledged it is closed then
(crm.plans.escalations); it is no longer open.

Downgrade: the key column, the new index/table and closed_at go; name_norm is derived as the old code did (without
the Traditional → Simplified step), and the old index, FTS5 table and triggers come back.

Revision ID: b0d2f4a6c8e3
Revises: f8b0d2c4e6a1
Create Date: 2026-12-06 16:30:00.000000

"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op
from opencc import OpenCC

# revision identifiers, used by Alembic.
revision = "b0d2f4a6c8e3"
down_revision = "f8b0d2c4e6a1"
branch_labels = None
depends_on = None

OLD_COLUMNS, NEW_COLUMNS = "name, name_en, name_initials, uscc", "name_key, name_en, name_initials, uscc"
TRIGGERS = ("enterprise_search_insert", "enterprise_search_delete", "enterprise_search_update")
OLD_INDEX, NEW_INDEX = ("ix_enterprises_name_trgm", "name"), ("ix_enterprises_name_key_trgm", "name_key")

# A copy of crm/enterprises/names.py as it is at this revision: a migration must not change meaning when the
# application's functions change later.
_TO_SIMPLIFIED = OpenCC("t2s")
_BRACKETS = str.maketrans("[{【〔〖〘〚⦅]}】〕〗〙〛⦆", "((((((((" + "))))))))")
_SPACE = re.compile(r"\s+")
_LOOSE_SPACE = re.compile(r"(?<![0-9a-z]) | (?![0-9a-z])")
_LEGAL_FORMS_ZH = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "控股集团",
    "集团",
    "股份",
    "公司",
)
_LEGAL_FORMS_EN = re.compile(
    r"\b(co\.?|company|corp\.?|corporation|ltd\.?|limited|inc\.?|group|holdings?|plc|gmbh|ag|llc)\b",
    re.IGNORECASE,
)
_PAREN_CHINA = re.compile(r"[（(]\s*(中国|china)\s*[)）]", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    text = _TO_SIMPLIFIED.convert(unicodedata.normalize("NFKC", text or ""))
    text = _SPACE.sub(" ", text.translate(_BRACKETS)).strip().casefold()
    return _LOOSE_SPACE.sub("", text)


def _norm(name: str, folded: bool) -> str:
    """name_norm as of this revision (`folded`) or as before it."""
    text = _fold(name) if folded else unicodedata.normalize("NFKC", name or "").strip()
    text = _PAREN_CHINA.sub(" " if folded else "", text)
    for form in _LEGAL_FORMS_ZH:
        text = text.replace(form, "")
    text = _LEGAL_FORMS_EN.sub(" ", text)
    return _NOT_WORD.sub("", text).lower()[:128]


def _rederive(conn, folded: bool) -> None:
    rows = conn.execute(sa.text("SELECT id, name, name_norm FROM enterprises")).all()
    changes = []
    for row_id, name, norm in rows:
        change = {"id": row_id, "norm": _norm(name, folded)}
        if folded:
            change["key"] = _fold(name)[:255]
        if folded or change["norm"] != norm:
            changes.append(change)
    if changes:
        sets = "name_norm = :norm" + (", name_key = :key" if folded else "")
        conn.execute(sa.text(f"UPDATE enterprises SET {sets} WHERE id = :id"), changes)


def _pg_trigram(index: tuple[str, str]) -> None:
    schema = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
        .scalar()
    )
    op.execute(
        f'CREATE INDEX IF NOT EXISTS {index[0]} ON enterprises USING gin ({index[1]} "{schema}".gin_trgm_ops)'
    )


def _drop_search_table() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS enterprise_search")


def create_search_table(columns: str) -> None:
    """SQLite: the FTS5 table over `columns`, filled, and the triggers that keep it in step with every insert,
    delete and change of a searched column (as b8e2f4a6c1d3 made it over the name as typed)."""
    op.execute(
        f"CREATE VIRTUAL TABLE enterprise_search USING fts5({columns}, content='enterprises', "
        "content_rowid='id', tokenize='trigram')"
    )
    op.execute("INSERT INTO enterprise_search(enterprise_search) VALUES ('rebuild')")
    names = [c.strip() for c in columns.split(",")]
    old, new = (", ".join(f"{row}.{c}" for c in names) for row in ("old", "new"))
    remove = f"INSERT INTO enterprise_search(enterprise_search, rowid, {columns}) VALUES ('delete', old.id, {old});"
    add = f"INSERT INTO enterprise_search(rowid, {columns}) VALUES (new.id, {new});"
    op.execute(f"CREATE TRIGGER enterprise_search_insert AFTER INSERT ON enterprises BEGIN {add} END")
    op.execute(f"CREATE TRIGGER enterprise_search_delete AFTER DELETE ON enterprises BEGIN {remove} END")
    op.execute(
        f"CREATE TRIGGER enterprise_search_update AFTER UPDATE OF {columns} ON enterprises BEGIN {remove} {add} END"
    )


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _drop_search_table()
    op.add_column(
        "enterprises", sa.Column("name_key", sa.String(length=255), server_default="", nullable=False)
    )
    op.add_column("escalations", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    _rederive(op.get_bind(), folded=True)
    if dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {OLD_INDEX[0]}")
        _pg_trigram(NEW_INDEX)
    elif dialect == "sqlite":
        create_search_table(NEW_COLUMNS)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {NEW_INDEX[0]}")
    elif dialect == "sqlite":
        _drop_search_table()
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_column("name_key")
    _rederive(op.get_bind(), folded=False)
    if dialect == "postgresql":
        _pg_trigram(OLD_INDEX)
    elif dialect == "sqlite":
        create_search_table(OLD_COLUMNS)
