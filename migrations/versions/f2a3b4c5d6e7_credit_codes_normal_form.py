"""credit codes stored in their one normal form (enterprises, whitelist entries' and projects' landed codes)

The normal form is the 18 ASCII characters, in enterprises.uscc, whitelist_entries.landed_uscc and
projects.landed_uscc.

Before crm.enterprises.names.normalise_uscc the code was validated by python-stdnum, which forgives hyphens and
full-width digits while it checks, and the text as typed was stored: '91110000-600037341L' (19 characters, on
SQLite), '９１１１００００６０００３７３４１Ｌ', a lower-case letter, a stray space or zero-width character. Such a code
was not found by a search or an import row carrying the clean code. This migration rewrites every stored code that
is valid once cleaned (NFKC; spaces, hyphens/dashes, zero-width characters and BOMs removed; upper case) to that
clean form. A stored value that is not a valid code even when cleaned is left as it is and listed in the output.

enterprises.uscc is unique. When two (or more) enterprises clean to the same code, the migration does not fail and
does not guess which record is right:
- the record that already stores the clean form keeps it untouched (a correct row is never rewritten); when none
  does, the oldest record (created_at, then id) gets the clean form;
- every other record of the group keeps its code exactly as it was stored, rather than losing it to NULL: nothing
  typed is thrown away, the unique constraint still holds (the stored forms differ), and the code is what makes
  the pair findable. crm.enterprises.services.same_code matches a stored code by its clean form, so the merge
  screen (/enterprises/<id>/merge) of either record lists the other under "same unified social credit code", and
  saving the other record's edit form is refused with "another enterprise already has this code" until a manager
  merges them (the survivor then carries the clean form);
- each such group is written to the migration's output (logger alembic.runtime.migration, WARNING) with the ids,
  names and stored forms.

Downgrade: nothing to undo. The clean form is the same code as the one typed, and which spelling a clerk used is
not worth keeping; the downgrade runs and leaves the codes clean.

Revision ID: f2a3b4c5d6e7
Revises: f1c2a3b4d5e6
Create Date: 2026-12-04 19:00:00.000000

"""

import logging
import unicodedata
from collections import defaultdict

import sqlalchemy as sa
from alembic import op
from stdnum.cn import uscc as stdnum_uscc

# revision identifiers, used by Alembic.
revision = "f2a3b4c5d6e7"
down_revision = "f1c2a3b4d5e6"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
LANDED = ("whitelist_entries", "projects")


# A copy of the cleaning in crm/enterprises/names.py as it is at this revision: a migration must not change meaning
# when the application's function changes later.
def _key(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "")
    kept = (
        c
        for c in text
        if not (
            c.isspace() or c in "\u2212\u2796\u02d7\u2043" or unicodedata.category(c) in ("Pd", "Cf", "Zs")
        )
    )
    return "".join(kept).upper()


def _clean(value: str) -> str | None:
    """The code's clean form if it is a valid 统一社会信用代码 once cleaned, else None."""
    code = _key(value)
    if len(code) != 18 or not (code.isascii() and code.isalnum()) or not stdnum_uscc.is_valid(code):
        return None
    return code


def _landed(conn, table: str) -> None:
    rows = conn.execute(sa.text(f"SELECT id, landed_uscc FROM {table} WHERE landed_uscc IS NOT NULL")).all()
    changes = []
    for row_id, stored in rows:
        code = _clean(stored)
        if code is None:
            log.warning(
                "%s.landed_uscc of id %s is not a valid credit code, left as stored: %r",
                table,
                row_id,
                stored,
            )
        elif code != stored:
            changes.append({"id": row_id, "code": code})
    if changes:
        conn.execute(sa.text(f"UPDATE {table} SET landed_uscc = :code WHERE id = :id"), changes)
    log.info("%s.landed_uscc: %d code(s) put in their normal form", table, len(changes))


def _enterprises(conn) -> None:
    rows = conn.execute(
        sa.text("SELECT id, uscc, name FROM enterprises WHERE uscc IS NOT NULL ORDER BY created_at, id")
    ).all()
    groups = defaultdict(list)  # clean code → its holders, oldest first
    for row in rows:
        code = _clean(row.uscc)
        if code is None:
            log.warning(
                "enterprises.uscc of enterprise %s (%s) is not a valid credit code, left as stored: %r",
                row.id,
                row.name,
                row.uscc,
            )
        else:
            groups[code].append(row)
    changes = []
    for code, holders in groups.items():
        keeper = next((h for h in holders if h.uscc == code), holders[0])
        if keeper.uscc != code:
            changes.append({"id": keeper.id, "code": code})
        if len(holders) > 1:
            others = "; ".join(
                f"#{h.id} {h.name} (kept as stored: {h.uscc!r})" for h in holders if h is not keeper
            )
            log.warning(
                "credit code %s is held by enterprise #%s %s and also by %s: a merge candidate, listed on "
                "the merge screen of each",
                code,
                keeper.id,
                keeper.name,
                others,
            )
    if changes:
        conn.execute(sa.text("UPDATE enterprises SET uscc = :code WHERE id = :id"), changes)
    log.info("enterprises.uscc: %d code(s) put in their normal form", len(changes))


def upgrade():
    conn = op.get_bind()
    for table in LANDED:
        _landed(conn, table)
    _enterprises(conn)


def downgrade():
    """Nothing to undo: a clean code is the same code as the spelling it replaced (see the module docstring)."""
