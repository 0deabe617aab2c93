"""Health of the parts a bureau notices when they stop: the database and the reminder scheduler."""

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from crm.extensions import db
from crm.reminders.models import Heartbeat


@dataclass
class Check:
    ok: bool
    detail: dict = field(default_factory=dict)


@dataclass
class Health:
    database: Check
    scheduler: Check

    @property
    def ok(self) -> bool:
        return self.database.ok and self.scheduler.ok

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.ok else "fail",
            "checks": {
                "database": {"ok": self.database.ok, **self.database.detail},
                "scheduler": {"ok": self.scheduler.ok, **self.scheduler.detail},
            },
        }


def check_database() -> Check:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return Check(False, {"error": type(error).__name__})
    return Check(True, {"ms": round((time.perf_counter() - started) * 1000, 1)})


def check_scheduler(now: datetime) -> Check:
    """Stale when no scheduler job has succeeded within HEALTH_SCHEDULER_MAX_AGE_MINUTES (the delivery job runs
    every minute, so a live scheduler beats far more often)."""
    max_age = timedelta(minutes=current_app.config["HEALTH_SCHEDULER_MAX_AGE_MINUTES"])
    try:
        last = db.session.scalar(select(func.max(Heartbeat.ran_at)))
    except SQLAlchemyError as error:
        db.session.rollback()
        return Check(False, {"error": type(error).__name__})
    detail = {"max_age_seconds": int(max_age.total_seconds()), "last_run": last.isoformat() if last else None}
    if last is None:
        return Check(False, detail)
    age = now - last
    detail["age_seconds"] = int(age.total_seconds())
    return Check(age <= max_age, detail)


def check(now: datetime) -> Health:
    database = check_database()
    if not database.ok:
        return Health(database, Check(False, {"error": "database unavailable"}))
    return Health(database, check_scheduler(now))
