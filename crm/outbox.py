"""The outbox: idempotent inserts, atomic claims, and marking results, on PostgreSQL and SQLite alike."""

from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CursorResult, Table, and_, func, select, update

from crm.extensions import db, dialect_insert
from crm.reminders.models import FAILED, PENDING, SENDING, SENT, Notification


def insert_ignoring_duplicates(table: Table, rows: list[dict]) -> int:
    """INSERT … ON CONFLICT DO NOTHING … RETURNING, in batches; returns how many rows were new.

    Rows may name different columns (a webhook row names its team, an inbox row none): each is given every column
    any row names, None where it names none. An executemany builds its INSERT from the first row's keys and
    silently dropped what later rows said beyond them (the scan's robot messages lost their team)."""
    columns = {key for row in rows for key in row}
    rows = [{key: row.get(key) for key in columns} for row in rows]
    new = 0
    for start in range(0, len(rows), 1000):
        stmt = (
            dialect_insert(table)
            .on_conflict_do_nothing()
            .returning(table.c[next(iter(table.primary_key)).name])
        )
        new += len(db.session.execute(stmt, rows[start : start + 1000]).all())
    return new


def enqueue(rows: list[dict], now: datetime) -> int:
    for row in rows:
        row.setdefault("status", PENDING)
        row.setdefault("attempts", 0)
        row.setdefault("next_attempt_at", now)
        row.setdefault("created_at", now)
    # Most of a repeated scan is already queued: look the keys up first (cheap), insert only the rest, and let
    # ON CONFLICT DO NOTHING settle a race with another scanner.
    keys = [row["dedupe_key"] for row in rows]
    known: set[str] = set()
    for start in range(0, len(keys), 2000):
        chunk = keys[start : start + 2000]
        known.update(
            db.session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk)))
        )
    new = insert_ignoring_duplicates(
        Notification.__table__, [row for row in rows if row["dedupe_key"] not in known]
    )
    db.session.commit()
    return new


def claim(now: datetime, limit: int) -> list[int]:
    """Atomically take up to `limit` due pending rows for this worker and commit the claim.

    PostgreSQL: FOR UPDATE SKIP LOCKED lets several workers claim side by side. SQLite: the conditional UPDATE …
    WHERE status = 'pending' RETURNING runs under SQLite's single writer lock, so two workers never get one row."""
    due = (
        select(Notification.id)
        .where(Notification.status == PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = (
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(due.scalar_subquery()), Notification.status == PENDING)
            .values(status=SENDING, claimed_at=now, attempts=Notification.attempts + 1)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return sorted(claimed)


def mark_sent(notification_ids: list[int], claimed_at: datetime, now: datetime) -> int:
    """Record success for sent rows, but only under our own claim (a reclaimed row belongs to someone else now).

    Marking a batch at once means a worker that dies mid-batch leaves some sent rows in 'sending': they are
    reclaimed and sent once more at most, never lost."""
    if not notification_ids:
        return 0
    done = cast(  # an UPDATE's result: a CursorResult
        CursorResult[Any],
        db.session.execute(
            update(Notification)
            .where(
                Notification.id.in_(notification_ids),
                Notification.status == SENDING,
                Notification.claimed_at == claimed_at,
            )
            .values(status=SENT, sent_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.commit()
    return done


def mark_failed(notification_id: int, claimed_at: datetime, now: datetime, error: str) -> None:
    """Back off and retry (1, 2, 4, 8 … minutes), or give up after OUTBOX_MAX_ATTEMPTS."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.status != SENDING or row.claimed_at != claimed_at:
        return
    row.last_error = error[:2000]
    if row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        row.status = FAILED
    else:
        row.status, row.next_attempt_at = PENDING, now + timedelta(minutes=2 ** (row.attempts - 1))
    db.session.commit()


def reclaim_stuck(now: datetime) -> int:
    """Rows left in 'sending' by a worker that died are put back (at-least-once delivery, never lost), unless
    they have used up OUTBOX_MAX_ATTEMPTS: a row that kills its worker every time (too large, a crashing
    channel) is marked failed for the administrator instead of being sent again for ever."""
    stale = now - timedelta(minutes=current_app.config["OUTBOX_STALE_MINUTES"])
    stuck = and_(Notification.status == SENDING, Notification.claimed_at < stale)
    exhausted = Notification.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    db.session.execute(
        update(Notification)
        .where(stuck, exhausted)
        .values(status=FAILED, last_error=_("The delivering process stopped during every attempt."))
        .execution_options(synchronize_session=False)
    )
    count = cast(
        CursorResult[Any],
        db.session.execute(
            update(Notification)
            .where(stuck)
            .values(status=PENDING, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.commit()
    return count


def backlog() -> dict[str, int]:
    return dict(
        db.session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all()
    )
