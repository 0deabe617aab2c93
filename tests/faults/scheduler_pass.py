"""The reminder scheduler in a process of its own, for the fault tests: at each moment given on the command line
(instead of the wall clock) it runs what `flask crm scan-once` does (scan, reclaim, deliver), holding the
scheduler's PostgreSQL leader lock as `flask crm scheduler` does. It can stop (and wait to be killed) right after
its claim is committed, or after sending some notifications but before marking them sent.

    python -m tests.faults.scheduler_pass DATABASE_URL SMTP_PORT NOW [NOW ...] [--stop-after-claim MARKER]
                                          [--stop-after-sends N MARKER] [--fault-plan PLAN (see pause.py)]

It prints a JSON summary of each pass on a line of its own."""

import argparse
import json
from datetime import datetime

from config import TestConfig
from crm import create_app, outbox
from crm.cli import _hold_leader_lock
from crm.extensions import db
from crm.reminders.channels import CHANNELS
from crm.reminders.delivery import deliver
from crm.reminders.scan import scan
from tests.faults.pause import backend_pid, install, pause


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("smtp_port", type=int)
    parser.add_argument("now", type=datetime.fromisoformat, nargs="+")
    parser.add_argument("--stop-after-claim", metavar="MARKER")
    parser.add_argument("--stop-after-sends", nargs=2, metavar=("N", "MARKER"))
    parser.add_argument("--fault-plan", metavar="PLAN")
    args = parser.parse_args()

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = args.database
        SMTP_HOST = "127.0.0.1"
        SMTP_PORT = args.smtp_port

    app = create_app(Config)
    with app.app_context():
        lock = _hold_leader_lock(app)  # None on SQLite, which runs a single scheduler
        backends = {"lock_backend_pid": backend_pid(lock) if lock else None}
        if args.fault_plan:
            install(db.engine, args.fault_plan, **backends)
        backends["backend_pid"] = backend_pid(db.session.connection())
        after_claim = None
        if args.stop_after_claim:

            def after_claim(ids: list[int]) -> None:
                pause(args.stop_after_claim, claimed=ids, **backends)

        if args.stop_after_sends:
            stop_at, marker = int(args.stop_after_sends[0]), args.stop_after_sends[1]
            sent: list[int] = []

            def then_count(send):
                def send_and_count(row, connections) -> None:
                    send(row, connections)  # really sent (the inbox row committed, the email accepted)
                    sent.append(row.id)
                    if len(sent) == stop_at:
                        pause(marker, sent=sent, **backends)  # ...but not yet marked sent in the outbox

                return send_and_count

            for channel, send in list(CHANNELS.items()):
                CHANNELS[channel] = then_count(send)
        for now in args.now:
            found = scan(now)
            reclaimed = outbox.reclaim_stuck(now)
            delivered = deliver(now, after_claim=after_claim)
            print(json.dumps({"notifications": found.notifications, "escalations": found.escalations,
                              "reclaimed": reclaimed, "claimed": delivered.claimed, "sent": delivered.sent,
                              "failed": delivered.failed}), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
