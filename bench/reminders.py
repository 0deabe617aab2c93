"""Benchmark: one reminder scan over 100,000 open tasks, and delivering 10,000 email notifications to a local SMTP
server. Not part of `make test`; run with `make bench-reminders` (SQLite) or with BENCH_DATABASE_URL set.

    .venv/bin/python bench/reminders.py [--tasks 100000] [--emails 10000] [--cold]

The seeded tables are analyzed before the first scan, as a real database's are (autovacuum analyzes a table within
a minute of a bulk insert), and on PostgreSQL a checkpoint writes the seeding out: otherwise the first scan pays
for writing 100,000 freshly seeded rows' pages (a checkpoint forced by the WAL the seeding wrote, dirty buffers
evicted by the scan's own backend: about 5 s). `--cold` does neither, as the benchmark did before issue 16.
Prints each figure beside its target (issue 16) and the machine's load; docs/PERFORMANCE.md records them."""

import argparse
import os
import socket
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from config import TestConfig  # noqa: E402
from crm import (
    create_app,  # noqa: E402
    outbox,  # noqa: E402
)
from crm.auth.models import User  # noqa: E402
from crm.enterprises.models import Enterprise  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.plans.models import Task  # noqa: E402
from crm.refdata.models import Region  # noqa: E402
from crm.refdata.seed import seed_reference  # noqa: E402
from crm.reminders.delivery import deliver  # noqa: E402
from crm.reminders.models import Notification  # noqa: E402
from crm.reminders.scan import scan  # noqa: E402
from crm.teams.models import Team  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402

NOW = datetime(2026, 10, 13, 1, 0, tzinfo=UTC)  # 09:00 Tuesday in Beijing
TARGETS = {"scan 1": 10.0, "scan 2": 2.0, "emails": 20.0}  # seconds; the emails' for 10,000 of them


def verdict(seconds: float, target: float) -> str:
    return f"target < {target:g} s: {'met' if seconds < target else 'not met'}"


def analyze(*tables: str) -> None:
    """What autovacuum does within a minute of a bulk insert (SQLite: its planner's statistics too)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text("ANALYZE " + ", ".join(tables) if db.engine.dialect.name == "postgresql" else "ANALYZE")
        )


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.count += 1
        return "250 OK"


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def checkpoint() -> None:
    """PostgreSQL writes out what the seeding left in its buffers and WAL, as a real database has long done."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("CHECKPOINT"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_schema() -> None:
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    seed_reference()


def seed(tasks: int) -> None:
    """1,000 targets worked by 20 teams, 100 open tasks each, due dates spread around today."""
    region = db.session.scalar(select(Region.id).where(Region.code == "371502"))
    users = [{"username": f"u{i}", "full_name": f"队员{i}", "password_hash": "x", "role": "member", "region_id": region,
              "email": f"u{i}@example.cn", "is_active": True, "created_at": NOW} for i in range(200)]  # fmt: skip
    db.session.execute(insert(User), users)
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    db.session.execute(insert(Team), [{"name": f"队{i}", "region_id": region, "leader_id": user_ids[i], "active": True,
                                       "created_at": NOW} for i in range(20)])  # fmt: skip
    team_ids = list(db.session.scalars(select(Team.id).order_by(Team.id)))
    targets = tasks // 100
    db.session.execute(insert(Enterprise), [{"name": f"企业{i}", "name_norm": f"企业{i}", "name_initials": f"qy{i}",
                                             "created_at": NOW, "updated_at": NOW, "version": 1} for i in range(targets)])  # fmt: skip
    ent_ids = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    db.session.execute(insert(WhitelistEntry), [{
        "enterprise_id": e, "region_id": region, "state": "contacting", "priority": 2, "team_id": team_ids[i % 20],
        "owner_id": user_ids[20 + i % 180], "proposer_id": user_ids[0], "state_changed_at": NOW, "created_at": NOW,
        "updated_at": NOW, "version": 1, "plan_start": date(2026, 9, 1), "last_contact_at": NOW - timedelta(days=3),
        "conflict": False,
    } for i, e in enumerate(ent_ids)])  # fmt: skip
    entry_rows = db.session.execute(select(WhitelistEntry.id, WhitelistEntry.owner_id)).all()
    batch = []
    for n in range(tasks):
        entry_id, owner = entry_rows[n % len(entry_rows)]
        batch.append({"entry_id": entry_id, "title": f"任务{n}", "owner_id": owner, "kind": "followup", "sort": 0,
                      "due_date": date(2026, 10, 13) + timedelta(days=(n % 40) - 30), "status": "open",
                      "created_at": NOW, "version": 1})  # fmt: skip
        if len(batch) == 10000:
            db.session.execute(insert(Task), batch)
            batch = []
    if batch:
        db.session.execute(insert(Task), batch)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument(
        "--cold", action="store_true", help="no ANALYZE after seeding (tables without statistics)"
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"

    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SMTP_HOST, SMTP_PORT, OUTBOX_BATCH = "127.0.0.1", smtp.port, 500

    app = create_app(Config)
    with app.app_context():
        fresh_schema()
        started = time.perf_counter()
        seed(args.tasks)
        print(f"database: {db.engine.dialect.name}; seeded {args.tasks:,} open tasks in "
              f"{time.perf_counter() - started:.1f} s; load {load()}")  # fmt: skip
        if not args.cold:
            analyze()
            checkpoint()

        started = time.perf_counter()
        result = scan(NOW)
        first = time.perf_counter() - started
        print(f"scan 1{' (cold: no statistics)' if args.cold else ''}: {first:.2f} s — {result.reminders:,} "
              f"reminders, {result.notifications:,} notifications, {result.escalations:,} escalations; "
              f"{verdict(first, TARGETS['scan 1'])}; load {load()}")  # fmt: skip
        # Without statistics on the freshly filled outbox the planner scans it sequentially for every key lookup.
        if not args.cold:
            analyze()
        elif db.engine.dialect.name == "postgresql":
            analyze("notifications")  # what the benchmark always did
        started = time.perf_counter()
        again = scan(NOW)
        second = time.perf_counter() - started
        print(f"scan 2 (nothing new): {second:.2f} s — {again.notifications} new notifications; "
              f"{verdict(second, TARGETS['scan 2'])}; load {load()}")  # fmt: skip

        db.session.execute(Notification.__table__.delete())
        db.session.commit()
        rows = [{"dedupe_key": f"bench:{i}:email", "channel": "email", "user_id": (i % 180) + 21, "kind": "due_today",
                 "title": f"今天到期：任务{i}", "body": "基准测试"} for i in range(args.emails)]  # fmt: skip
        outbox.enqueue(rows, NOW)
        db.session.remove()
        started = time.perf_counter()
        sent = 0
        while True:
            batch = deliver(NOW)
            sent += batch.sent
            if batch.claimed == 0:
                break
        took = time.perf_counter() - started
        left = db.session.scalar(select(func.count()).where(Notification.status != "sent"))
        target = TARGETS["emails"] * args.emails / 10_000
        print(f"delivered {sent:,} emails to a local SMTP server in {took:.1f} s ({sent / took:,.0f}/s); "
              f"server received {sink.count:,}; not sent: {left}; {verdict(took, target)}; load {load()}")  # fmt: skip
    smtp.stop()


if __name__ == "__main__":
    main()
