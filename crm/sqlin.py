"""`column IN (ids)` as each database reads it best.

SQLAlchemy writes `IN (…)` with a parameter per value, so a list of 37 ids and one of 38 are two statements: on
PostgreSQL each length is parsed by psycopg, rendered by SQLAlchemy and planned by the server apart, and only a
length seen five times on a connection gets prepared (crm.prepared). `column = ANY(:ids)` with one array parameter
is one statement whatever the list's length, prepared once and planned as the same index lookup. SQLite has no
arrays and keeps `IN`."""

from collections.abc import Iterable

from sqlalchemy import ARRAY, ColumnElement, Integer, SQLColumnExpression, any_, bindparam

from crm.extensions import db


def among(column: SQLColumnExpression[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """`column` is one of `ids` (integers)."""
    values = [int(i) for i in ids]
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(Integer)))
    return column.in_(values)
