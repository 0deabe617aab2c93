"""Delivering the outbox: claim a batch (committed), send each, mark each. A worker killed between claim and mark
leaves rows in 'sending' that reclaim_stuck() puts back after OUTBOX_STALE_MINUTES: at least once, never lost,
and at most once more."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from crm.extensions import db
from crm.reminders import outbox
from crm.reminders.channels import CHANNELS, DeliveryError
from crm.reminders.models import Notification


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0


def deliver(
    now: datetime, limit: int | None = None, after_claim: Callable[[list[int]], None] | None = None
) -> DeliveryResult:
    """One delivery pass. `after_claim` is a hook for tests (e.g. to die between claim and mark)."""
    result = DeliveryResult()
    ids = outbox.claim(now, limit or current_app.config["OUTBOX_BATCH"])
    result.claimed = len(ids)
    if after_claim:
        after_claim(ids)
    for notification_id in ids:
        row = db.session.get(Notification, notification_id)
        claimed_at = row.claimed_at
        try:
            CHANNELS[row.channel](row)
        except DeliveryError as error:
            db.session.rollback()
            outbox.mark_failed(notification_id, claimed_at, now, str(error))
            result.failed += 1
            continue
        if outbox.mark_sent(notification_id, claimed_at, now):
            result.sent += 1
    return result
