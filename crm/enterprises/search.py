"""Finding enterprises by what people type: any part of the Chinese or English name, any part of the pinyin
initials, or the start of the credit code (typed full-width, hyphenated or spaced too).

The Chinese name is matched in the normal form the duplicate check uses too (crm.enterprises.names.fold, stored
as Enterprise.name_key): 中寰重工（山东） finds 中寰重工(山东), 雲啟 finds 云启, and spacing and case do not matter.

Every term is answered from an index on both databases, so a search costs about the same at 100,000 enterprises
as at 1,000:
- PostgreSQL: pg_trgm GIN indexes on the name's key, the English name and the initials (a substring LIKE of three
  characters or more is read from them), GIN indexes on their characters and character pairs for the one- and
  two-character terms people type most (华夏, 轴承, hx: `short_term`), and a pattern-ops B-tree on the credit
  code for its prefix (migrations c3e8f0a1b2d4, b8e2f4a6c1d3, b0d2f4a6c8e3 and c2d4e6f8a0b1);
- SQLite: an FTS5 table with the trigram tokenizer over the same four columns (`enterprise_search`), whose LIKE
  is answered from the index, kept in step with `enterprises` by triggers (migrations b8e2f4a6c1d3 and
  b0d2f4a6c8e3), so every
  writer — the ORM, the importer's bulk rows, a merge's delete — updates it in the same transaction.

The initials stay a substring match, not a prefix: 聊城华夏钢铁 reads "lchxgt", and people type "hxgt".
"""

import unicodedata
from dataclasses import dataclass
from typing import TypeGuard

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Text,
    and_,
    bindparam,
    column,
    false,
    func,
    or_,
    select,
    table,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY

from crm.enterprises.models import Enterprise
from crm.enterprises.names import fold, uscc_key
from crm.extensions import db
from crm.parsing import like_fragment

SEARCH_TABLE = "enterprise_search"
_index = table(
    SEARCH_TABLE,
    column("rowid"),
    column("name_key"),
    column("name_en"),
    column("name_initials"),
    column("uscc"),
)


@dataclass(frozen=True)
class Terms:
    """What a search box's text is matched as."""

    text: str  # the name fragment, stripped
    key: str  # the name fragment in the names' normal form (crm.enterprises.names.fold)
    initials: str | None  # lower-case letters and digits, when the text could be pinyin initials
    code: str | None  # the credit code's normal form, when the text could be the start of one

    @classmethod
    def parse(cls, q: str) -> "Terms":
        text = unicodedata.normalize("NFKC", q).strip()  # ＨＸＧＴ, Ｓｔｅｅｌ typed full-width
        compact = text.replace(" ", "")
        initials = compact.lower() if compact.isascii() and compact.isalnum() else None
        code = uscc_key(text)  # a code typed full-width or with hyphens too
        return cls(text, fold(text), initials, code if code.isascii() and code.isalnum() else None)


def enterprise_search(q: str) -> ColumnElement[bool]:
    """A WHERE clause on Enterprise for the search box's text `q` (see the module's docstring)."""
    terms = Terms.parse(q)
    if not terms.text:
        return false()
    text, escape = like_fragment(terms.text)
    key, key_escape = like_fragment(terms.key)
    escape = escape or key_escape
    like = f"%{text}%"
    # (column, pattern, fold case): a term without upper/lower case (Chinese, digits) matches the same with LIKE as
    # with ILIKE, and LIKE does not case-fold every name it compares.
    folds = terms.text.lower() != terms.text.upper()
    wanted = [("name_key", f"%{key}%", False), ("name_en", like, folds)]
    if terms.initials:
        wanted.append(("name_initials", f"%{terms.initials}%", False))
    if terms.code:
        wanted.append(("uscc", f"{terms.code}%", False))
    if db.engine.dialect.name != "sqlite":
        # (the term as typed or folded, compared ignoring case) for the columns a one- or two-character term is
        # read from the character-pair indexes of
        raw = {
            "name_key": (terms.key, False),
            "name_en": (terms.text, True),
            "name_initials": (terms.initials, False),
        }
        matches = []
        for name, pattern, fold in wanted:
            col = getattr(Enterprise, name)
            term, lower = raw.get(name, (None, False))
            matches.append(
                short_term(col, term, lower) if is_short(term) else _pg_match(col, pattern, fold, escape)
            )
        return or_(*matches)
    # SQLite: from the FTS5 table, one index search per column (SQLite's LIKE folds ASCII case itself, as does
    # the index). A trigram index cannot answer a term of fewer than three characters (it finds nothing), so such
    # a term is compared with the column itself, which is all any index could do for it.
    indexed = [
        select(_index.c.rowid).where(getattr(_index.c, name).like(pattern, escape=escape))
        for name, pattern, _ in wanted
        if len(pattern.strip("%")) >= 3
    ]
    direct = [
        getattr(Enterprise, name).like(pattern, escape=escape)
        for name, pattern, _ in wanted
        if len(pattern.strip("%")) < 3
    ]
    if indexed:
        direct.append(Enterprise.id.in_(select(union(*indexed).subquery().c.rowid)))
    return or_(*direct)


SHORT_FUNCTION = "crm_short_grams"  # migration c2d4e6f8a0b1


def is_short(term: str | None) -> TypeGuard[str]:
    """A term below a trigram (one or two characters), which the trigram indexes cannot answer."""
    return term is not None and 0 < len(term) <= 2


def short_term(col: SQLColumnExpression[str], term: str, lower: bool) -> ColumnElement[bool]:
    """PostgreSQL: `col` contains `term` (one or two characters), read from the index on the column's characters
    and character pairs (migration c2d4e6f8a0b1; `lower`: the index on lower(col), for a match that ignores case,
    as ILIKE does; a term without case matches alike). Exact: no pattern, so % and _ are plain characters."""
    indexed = func.lower(col) if lower else col
    wanted = bindparam(None, [term.lower() if lower else term], type_=ARRAY(Text))
    return func.crm_short_grams(indexed).op("@>", is_comparison=True)(wanted)


def _pg_match(col: ColumnElement[str], pattern: str, fold: bool, escape: str | None) -> ColumnElement[bool]:
    """PostgreSQL. A prefix (the credit code) as the range the pattern index reads, written out: the connections
    keep their statements prepared (crm/prepared.py), and a generic plan of `uscc LIKE $1` cannot turn a pattern it
    does not know into an index range, so it read every enterprise (100 ms at 100,000). `~>=~` and `~<~` compare
    byte by byte, as varchar_pattern_ops does, so the range holds exactly the codes that start with the prefix."""
    if pattern.endswith("%") and not pattern.startswith("%") and not fold and escape is None:
        prefix = pattern[:-1]
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return and_(col.op("~>=~", is_comparison=True)(prefix), col.op("~<~", is_comparison=True)(after))
    return col.ilike(pattern, escape=escape) if fold else col.like(pattern, escape=escape)
