"""PostgreSQL: fewer round trips per request.

A page's statements are few and quick, so the round trips around them cost as much as some of them: before this, a
request that only read went BEGIN, the ping of the pool's `pool_pre_ping`, its SELECTs, COMMIT, each a trip to
the server and a wake-up of its backend. Here:

- **A request reads outside a transaction.** Under READ COMMITTED (PostgreSQL's default, and the app's), each
  statement of a transaction sees what was committed before that statement began, exactly as a statement run on
  its own does; so a request's connection runs in psycopg's autocommit mode, which sends no BEGIN and no COMMIT.
  The first statement that is not a plain read (INSERT, UPDATE, DELETE, a locking SELECT … FOR UPDATE, SET LOCAL,
  SAVEPOINT, anything unknown), or a read streamed through a server-side cursor, turns autocommit off before it is
  sent, so psycopg opens a transaction for it: from there on the request's writes are atomic and end with the
  session's COMMIT or ROLLBACK as before. A write made after that commit gets a transaction of its own again (the
  session's next statement checks a connection out anew). Outside a request (the scheduler's jobs, commands)
  connections keep ordinary transactions. A connection given `isolation_level="AUTOCOMMIT"` by its user (the
  maintenance statements that cannot run in a transaction: VACUUM, CREATE INDEX CONCURRENTLY) is left as asked.
- **A connection is pinged only when it has been idle.** pool_pre_ping pinged on every checkout, that is on every
  request. A connection back in the pool less than IDLE_PING ago is handed out as it is; one idle for longer is
  pinged first, and if it has died every connection of the pool made before it is dropped too (a dead idle
  connection means the server restarted), as pool_pre_ping did. A connection that died within a second of its
  last use (a restart that quick, a backend ended by hand) fails the next statement sent on it, and SQLAlchemy then
  drops the pool's connections the same way: that request gets the "database unavailable" page, the next ones new
  connections.

Only on PostgreSQL; SQLite keeps its transactions and needs no ping (it is a file)."""

import re
import time
from functools import lru_cache
from typing import Any

from flask import Flask, has_request_context
from psycopg import ServerCursor
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExecutionContext
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from crm.extensions import db

IDLE_PING = 1.0  # seconds a connection may sit in the pool and still be handed out without a ping
IDLE_SINCE = "crm_idle_since"  # ConnectionPoolEntry.info: when the connection was last returned to the pool

# A plain read: SELECT or SHOW, or a WITH, that neither writes nor locks rows. A statement that names a write, a row
# lock (FOR UPDATE / FOR SHARE: the words UPDATE and SHARE) or a function whose effect lasts to the end of the
# transaction is not one, even where the word stands in a literal: such a false alarm costs that read a transaction.
_READ = re.compile(r"\s*(SELECT|SHOW|WITH)\b", re.IGNORECASE)
_NOT_PLAIN = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|SHARE|pg_(try_)?advisory_xact_lock(_shared)?|set_config|pg_notify)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def plain_read(statement: str) -> bool:
    """A statement that may run outside a transaction without changing what it does: it writes nothing and takes
    no row lock (a lock taken outside a transaction is released as soon as the statement ends).

    Kept per statement: the app sends the same few hundred statements (SQLAlchemy's compiled cache hands out the
    same string, whose hash Python keeps), and the search read each whole, 2.6 % of an entry's page in a profile."""
    return bool(_READ.match(statement)) and not _NOT_PLAIN.search(statement)


def init_pgconn(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    _listen(engine)


def _listen(engine: Engine) -> None:
    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.pop(IDLE_SINCE, None)
        if idle_since is not None and time.monotonic() - idle_since >= IDLE_PING:
            try:
                alive = engine.dialect.do_ping(dbapi_conn)
            except engine.dialect.loaded_dbapi.Error as gone:
                raise InvalidatePoolError(f"connection idle for a while has died: {gone}") from gone
            if not alive:
                raise InvalidatePoolError("connection idle for a while has died")
        dbapi_conn.autocommit = has_request_context()

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        if dbapi_conn is not None:  # None: the connection was invalidated on the way back
            record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "before_cursor_execute")
    def _transaction_for_writes(
        conn: Connection,
        cursor: Any,
        statement: str,
        _params: Any,
        _context: ExecutionContext | None,
        _many: bool,
    ) -> None:
        dbapi_conn = cursor.connection
        if not dbapi_conn.autocommit or conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # in a transaction already, or autocommit asked for by name (VACUUM, CREATE INDEX CONCURRENTLY)
        if isinstance(cursor, ServerCursor) or not plain_read(statement):
            # psycopg sends BEGIN before this statement; a server-side cursor (a read streamed with yield_per: the
            # exports) lives in a transaction too
            dbapi_conn.autocommit = False
