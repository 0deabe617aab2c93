"""PostgreSQL: a cursor whose `description` describes its columns only when they are read.

psycopg builds `cursor.description` anew on every read: a Column object per column of the result, each with its
name decoded and its type looked up. SQLAlchemy reads it once per statement, and for a statement it has run before
(its result's columns kept with the compiled statement) it only asks whether the result has rows. So every page
paid for a Column per column of every result, some 400 on an entry's page (its load joins fourteen tables), about
a twentieth of the page's CPU, for objects nobody read.

Here `description` is None, or a sequence that knows its length and builds the Columns on first use, from the
result it was read for (a later statement on the same cursor does not change it). Everything else is psycopg's
own cursor."""

from collections.abc import Iterator, Sequence
from typing import Any, overload

import psycopg
from psycopg import Column
from psycopg.pq import ExecStatus
from sqlalchemy import Engine, event
from sqlalchemy.pool import ConnectionPoolEntry

_WITH_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


class _Result:
    """What a Column reads of its cursor, fixed at the result the description was read for."""

    __slots__ = ("_cursor", "pgresult")

    def __init__(self, cursor: psycopg.Cursor[Any], pgresult: Any):
        self._cursor = cursor
        self.pgresult = pgresult

    @property
    def adapters(self) -> Any:
        return self._cursor.adapters

    @property
    def _encoding(self) -> str:
        return self._cursor._encoding


class Description(Sequence[Column]):
    """A result's columns, built when first read (psycopg's own Column objects, equal to what psycopg gives)."""

    __slots__ = ("_result", "_size", "_columns")

    def __init__(self, cursor: psycopg.Cursor[Any], pgresult: Any):
        self._result = _Result(cursor, pgresult)
        self._size = pgresult.nfields
        self._columns: list[Column] | None = None

    def _built(self) -> list[Column]:
        if self._columns is None:
            self._columns = [Column(self._result, i) for i in range(self._size)]  # type: ignore[arg-type]
        return self._columns

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Column: ...

    @overload
    def __getitem__(self, index: slice) -> list[Column]: ...

    def __getitem__(self, index: int | slice) -> Column | list[Column]:
        return self._built()[index]

    def __iter__(self) -> Iterator[Column]:
        return iter(self._built())

    def __repr__(self) -> str:
        return repr(self._built())


class Cursor(psycopg.Cursor[Any]):
    __slots__ = ()

    @property
    def description(self) -> Description | None:  # type: ignore[override]
        result = self.pgresult
        # As psycopg: columns when the result has fields or says it returned rows (even "SELECT ;").
        if result and (result.nfields or result.status in _WITH_ROWS):
            return Description(self, result)
        return None


def use_lazy_description(engine: Engine) -> None:
    """Every new connection of the engine makes its cursors with `Cursor` (PostgreSQL engines only)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:  # psycopg's Connection
        dbapi_conn.cursor_factory = Cursor
