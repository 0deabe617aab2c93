"""Every periodic job, in one place, with an explicit id (the scheduler process reads this list)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import select

from crm import outbox
from crm.dashboard.services import refresh_snapshots
from crm.extensions import db
from crm.projects import standing
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


def job_definitions(scan_minutes: int, digest_hour: int, figures_minutes: int = 5) -> list[JobDef]:
    return [
        JobDef("scan", "crm.reminders.jobs:run_scan", "interval", {"minutes": scan_minutes}),
        JobDef("deliver", "crm.reminders.jobs:run_delivery", "interval", {"minutes": 1}),
        JobDef("reclaim", "crm.reminders.jobs:run_reclaim", "interval", {"minutes": 5}),
        JobDef("digest", "crm.reminders.jobs:run_digest", "cron", {"hour": digest_hour, "minute": 0}),
        JobDef("standing", "crm.reminders.jobs:run_standing", "cron", {"hour": 2, "minute": 30}),
        JobDef("figures", "crm.reminders.jobs:run_figures", "interval", {"minutes": figures_minutes}),
        # The weekly and monthly reports (crm.reports, above this package: named, not imported).
        JobDef("reports", "crm.reports.editions:run_scheduled", "cron", {"hour": "8-20", "minute": 0}),
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


def run_job(job: str, work: Callable[[datetime], object]) -> None:
    assert _app is not None  # init_jobs stored the app before the scheduler runs a job
    with _app.app_context():
        now = utcnow()
        try:
            detail = work(now)
        except Exception:  # a failing pass must not kill the scheduler; the next run tries again
            db.session.rollback()
            log.exception("job %s failed", job)
            return
        _beat(job, str(detail), now)


def _scan_and_deliver(now: datetime) -> str:
    """Scan, then deliver at once, so a new reminder does not wait for the next delivery run."""
    found = scan(now)
    sent = deliver(now)
    text = _("%(r)d reminders, %(n)d new messages, %(e)d escalations; sent %(s)d",
             r=found.reminders, n=found.notifications, e=found.escalations, s=sent.sent)  # fmt: skip
    for year in found.uncovered_years:
        text += "；" + _("the %(year)d holiday schedule is provisional", year=year)
    log.info("scan: %s", text)
    return text


def _deliver(now: datetime) -> str:
    result = deliver(now)
    return _("claimed %(c)d, sent %(s)d, failed %(f)d", c=result.claimed, s=result.sent, f=result.failed)


def run_scan() -> None:
    run_job("scan", _scan_and_deliver)


def run_delivery() -> None:
    run_job("deliver", _deliver)


def run_reclaim() -> None:
    run_job("reclaim", lambda now: _("%(n)d stuck messages put back", n=outbox.reclaim_stuck(now)))


def run_digest() -> None:
    run_job("digest", lambda now: _("%(n)d digests queued", n=send_digests(now)))


def run_standing() -> None:
    """Each night, every project's 到位资金 standing computed again from the records (crm.projects.standing): the
    services keep it as they go; this mends a row written any other way (a restore, a hand fix in the database)."""

    def work(now: datetime) -> str:
        changed = standing.refresh()
        db.session.commit()
        return _("%(n)d projects' funds standing corrected", n=changed)

    run_job("standing", work)


def run_figures() -> None:
    """The dashboard's figures of every scope computed ahead (crm.dashboard.snapshots)."""
    run_job("figures", lambda now: _("%(n)d dashboards computed", n=refresh_snapshots(now)))


def heartbeats() -> dict[str, Heartbeat]:
    return {h.job: h for h in db.session.scalars(select(Heartbeat))}
