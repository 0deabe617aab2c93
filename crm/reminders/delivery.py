"""Delivering the outbox: claim a batch (committed), send each, mark each. A worker killed between claim and mark
leaves rows in 'sending' that reclaim_stuck() puts back after OUTBOX_STALE_MINUTES: at least once, never lost,
and at most once more."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Row, select

from crm import outbox
from crm.auth.models import User
from crm.extensions import db
from crm.reminders.channels import CHANNELS, Connections, DeliveryError, Outgoing
from crm.reminders.models import Notification


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0


def claimed_rows(ids: list[int]) -> list[Outgoing]:
    """The claimed rows with their recipients' addresses and names, in one statement per thousand."""
    n = Notification
    rows: list[Row[*tuple[Any, ...]]] = []
    for start in range(0, len(ids), 1000):
        rows += db.session.execute(
            select(n.id, n.dedupe_key, n.channel, n.user_id, n.team_id, n.entry_id, n.kind, n.title, n.body,
                   n.created_at, User.email, User.full_name, n.report_edition_id)
            .outerjoin(User, User.id == n.user_id)
            .where(n.id.in_(ids[start : start + 1000]))
        ).all()  # fmt: skip
    return sorted((Outgoing(*row) for row in rows), key=lambda row: row.id)


def deliver(
    now: datetime, limit: int | None = None, after_claim: Callable[[list[int]], None] | None = None
) -> DeliveryResult:
    """One delivery pass. `after_claim` is a hook for tests (e.g. to die between claim and mark)."""
    result = DeliveryResult()
    ids = outbox.claim(now, limit or current_app.config["OUTBOX_BATCH"])
    result.claimed = len(ids)
    if after_claim:
        after_claim(ids)
    connections, sent = Connections(), []
    rows = claimed_rows(ids)
    try:
        for row in rows:
            try:
                CHANNELS[row.channel](row, connections)
            except DeliveryError as error:
                outbox.mark_failed(row.id, now, now, str(error))
                result.failed += 1
                continue
            except Exception as error:  # a bug or bad data in one row (an address urllib refuses, say)
                # fails that row alone: ending the pass left every row claimed after it in 'sending', to be
                # reclaimed and claimed behind it again, pass after pass, and never delivered.
                db.session.rollback()
                outbox.mark_failed(row.id, now, now, f"{type(error).__name__}: {error}")
                result.failed += 1
                continue
            sent.append(row.id)
            if len(sent) >= 50:  # bounds what a crash can leave to be sent once more
                result.sent += outbox.mark_sent(sent, now, now)
                sent = []
    finally:
        connections.close()
        result.sent += outbox.mark_sent(sent, now, now)
    return result
