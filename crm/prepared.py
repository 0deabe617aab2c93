"""PostgreSQL: keep the connections' prepared statements from one request to the next.

psycopg prepares a statement on the server once a connection has run it five times, so PostgreSQL parses and plans
it once instead of on every request; the ORM's statements are few and repeat on every page, and planning them is
much of their cost (an entry's page loads the entry with its fourteen joins: 5 ms planning, 0.5 ms running, at
100,000 entries). But psycopg forgets every prepared statement on ROLLBACK, and a request that only read ended in
one: the session's close and the pool's reset both roll back. So the connections never kept any.

Here a request whose transaction wrote nothing ends with COMMIT instead (the same for a transaction that only read:
it ends, its snapshot and locks go), and each connection may keep PREPARED_MAX statements (psycopg's default, 100,
is fewer than the app's pages use). A transaction that ran anything but a read (INSERT, UPDATE, DELETE, DDL, a
data-modifying WITH …) is marked on its connection, and is never committed here: it is rolled back as before, so a
view that wrote and did not commit still loses its writes. A request that failed is rolled back too.

Only on PostgreSQL; SQLite's statement cache does not depend on how a transaction ends. Since crm.pgconn, a
request's reads run outside a transaction, so that COMMIT has nothing to send for them (psycopg skips it); it
still ends, as before, anything a connection began outside that mode."""

import re
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import ConnectionPoolEntry

from crm.extensions import db
from crm.pgcursor import use_lazy_description

PREPARED_MAX = 500
WROTE = "wrote_in_transaction"
CONNECTION = "transaction_connection"
EXTENSION = "crm.prepared"  # the connection of a session's current transaction
# A statement that only reads; anything else marks its transaction as writing.
_READ = re.compile(r"\s*(SELECT|SHOW|SET\s+LOCAL|SET\s+TRANSACTION)\b", re.IGNORECASE)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_WRITES = re.compile(r"\b(INSERT\s+INTO|UPDATE\s|DELETE\s+FROM)", re.IGNORECASE)


def reads_only(statement: str) -> bool:
    """SELECT (a locking one too: a COMMIT releases its locks as a ROLLBACK would), SHOW, SET LOCAL, and a WITH
    that modifies nothing."""
    if _READ.match(statement):
        return True
    if _WITH.match(statement):
        return not _WRITES.search(statement)
    return False


@event.listens_for(Session, "after_begin")
def _began(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    session.info[CONNECTION] = connection


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CONNECTION, None)


def init_prepared(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:  # psycopg's Connection
        dbapi_conn.prepared_max = PREPARED_MAX

    use_lazy_description(engine)  # crm.pgcursor: the other per-connection setting of PostgreSQL's

    @event.listens_for(engine, "before_cursor_execute")
    def _mark(
        conn: Connection,
        _cursor: DBAPICursor,
        statement: str,
        _params: Any,
        _context: ExecutionContext | None,
        _many: bool,
    ) -> None:
        if not reads_only(statement):
            conn.info[WROTE] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ended(conn: Connection) -> None:
        conn.info.pop(WROTE, None)

    app.extensions[EXTENSION] = True

    @app.teardown_request
    def _end_request(error: BaseException | None) -> None:
        try:
            end_read_only(error)
        except SQLAlchemyError as failed:  # the connection went away: the close that follows deals with it
            current_app.logger.warning("read-only transaction not committed: %s", str(failed).splitlines()[0])


def end_read_only(error: BaseException | None) -> None:
    """At the end of a request (a teardown_request, before the app context's teardown closes the session): COMMIT
    a transaction that only read, on PostgreSQL, so the connection keeps its prepared statements. Anything else (a
    write, a failed request; an app context without a request, such as a job or a command, never comes here) is
    left to the session's close, which rolls it back."""
    if error is not None or not current_app.extensions.get(EXTENSION):
        return
    if not db.session.registry.has():
        return
    session = db.session()
    connection = session.info.get(CONNECTION)
    if connection is None or connection.info.get(WROTE) or session.new or session.dirty or session.deleted:
        return
    # Nothing was written, so nothing loaded is stale: the objects keep their values (a COMMIT would expire them,
    # and an object kept past its request would then fail to load them detached).
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
