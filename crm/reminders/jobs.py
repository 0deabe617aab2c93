"""Every periodic job, in one place, with an explicit id (the scheduler process reads this list)."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from sqlalchemy import select

from crm.extensions import db
from crm.reminders import outbox
from crm.reminders.delivery import deliver
from crm.reminders.digest import send_digests
from crm.reminders.models import Heartbeat
from crm.reminders.scan import scan
from crm.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobDef:
    id: str
    func: str  # a code reference, "module:function", as APScheduler stores it
    trigger: str
    options: dict = field(default_factory=dict)


def job_definitions(scan_minutes: int, digest_hour: int) -> list[JobDef]:
    return [
        JobDef("scan", "crm.reminders.jobs:run_scan", "interval", {"minutes": scan_minutes}),
        JobDef("deliver", "crm.reminders.jobs:run_delivery", "interval", {"minutes": 1}),
        JobDef("reclaim", "crm.reminders.jobs:run_reclaim", "interval", {"minutes": 5}),
        JobDef("digest", "crm.reminders.jobs:run_digest", "cron", {"hour": digest_hour, "minute": 0}),
    ]


_app: Flask | None = None


def bind(app: Flask) -> None:
    """The scheduler process binds its app once; each job runs in a fresh app context of it."""
    global _app
    _app = app


def _beat(job: str, detail: str, now: datetime) -> None:
    row = db.session.get(Heartbeat, job) or Heartbeat(job=job)
    row.ran_at, row.detail = now, detail[:200]
    db.session.add(row)
    db.session.commit()


def _run(job: str, work) -> None:
    with _app.app_context():
        now = utcnow()
        try:
            detail = work(now)
        except Exception:  # a failing pass must not kill the scheduler; the next run tries again
            db.session.rollback()
            log.exception("job %s failed", job)
            return
        _beat(job, str(detail), now)


def run_scan() -> None:
    _run("scan", lambda now: scan(now))


def run_delivery() -> None:
    _run("deliver", lambda now: deliver(now))


def run_reclaim() -> None:
    _run("reclaim", lambda now: f"reclaimed {outbox.reclaim_stuck(now)}")


def run_digest() -> None:
    _run("digest", lambda now: f"digests {send_digests(now)}")


def heartbeats() -> dict[str, Heartbeat]:
    return {h.job: h for h in db.session.scalars(select(Heartbeat))}
