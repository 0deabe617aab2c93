"""Where the load test's CPU goes: the `make load` journeys (bench/load/journeys.py) replayed in this process
through Flask's test client, on the load test's database, with each page's CPU time and a profile of the mix.

    .venv/bin/python bench/load/run.py --duration 1m --keep-cluster   # seeds crm_load once and leaves 15/load up
    .venv/bin/python bench/profile_mix.py                             # 10 rounds, the pages' CPU per request
    .venv/bin/python bench/profile_mix.py --profile /tmp/mix.prof     # and cProfile's top functions of the mix

The app is the production one (wsgi.py with CRM_CONFIG=prod, as gunicorn serves it), its objects frozen after
start as gunicorn.conf.py does. Each round, every simulated user (35 members, 10 leads, 5 managers: the
locustfile's weights for 50 users, each its own account as in run.py) walks its journey once, so a page's share
of the printed CPU is close to its share under `make load`, where 50 users keep a request each in flight. The
first round warms the caches and is not counted. Writes rows (members log visits, leads assign and reassign), as
the load test does."""

import argparse
import cProfile
import gc
import os
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import journeys  # noqa: E402
from bench.load import run as load_run  # noqa: E402

WEIGHTS = {"member": 35, "lead": 10, "manager": 5}
JOURNEYS = {"member": journeys.member, "lead": journeys.lead, "manager": journeys.manager}


class ClientUser:
    """A journey's `user` on Flask's test client; records each request's CPU and wall time by name."""

    def __init__(self, app, account: dict, password: str, record):
        self.client = app.test_client()
        self.account = account
        self.record = record
        page = self.client.get("/auth/login").get_data(as_text=True)
        body = {
            "csrf_token": journeys.csrf(page) or "",
            "username": account["username"],
            "password": password,
        }
        resp = self.client.post("/auth/login", data=body)
        if resp.status_code != 302 or "/auth/login" in resp.headers.get("Location", ""):
            raise SystemExit(f"login refused for {account['username']}")

    def _timed(self, name: str, call):
        STATEMENTS.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        resp = call()
        self.record(name, time.process_time() - cpu, time.perf_counter() - wall, resp.status_code)
        return resp

    def page(self, url: str, name: str) -> str | None:
        resp = self._timed(name, lambda: self.client.get(url))
        return resp.get_data(as_text=True) if resp.status_code == 200 else None

    def submit(self, url: str, name: str, body, content_type: str, refusal_marker: str) -> str | None:
        resp = self._timed(name, lambda: self.client.post(url, data=body, content_type=content_type))
        if resp.status_code in (302, 303):
            target = urlsplit(resp.headers["Location"])
            return target.path + (f"?{target.query}" if target.query else "")
        return None

    def download(self, url: str, name: str, content_type: str) -> None:
        self._timed(name, lambda: self.client.get(url))

    def think(self) -> None:
        pass


# The SQL of the request being timed (the listener's own cost is a list append).
STATEMENTS: list[str] = []


def make_app(workdir: Path):
    os.environ.update(
        {
            "CRM_CONFIG": "prod",
            "DATABASE_URL": load_run.DATABASE_URL,
            "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "0",
            "UPLOAD_FOLDER": str(workdir / "uploads"),
        }  # fmt: skip
    )
    from sqlalchemy import event

    from crm.extensions import db
    from wsgi import app

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: STATEMENTS.append(a[2]))
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py does once a worker has loaded the app
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="counted rounds (one more warms up)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--profile", type=Path, help="write cProfile's stats of the counted rounds here")
    parser.add_argument("--top", type=int, default=40, help="functions printed from the profile")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--sql", metavar="PAGE", help="print the statements of the last counted request of PAGE"
    )
    args = parser.parse_args()
    random.seed(args.seed)

    workdir = Path(tempfile.mkdtemp(prefix="crm-profile-mix-"))
    app = make_app(workdir)
    found = load_run.accounts(app, args.users, WEIGHTS)
    total = sum(WEIGHTS.values())
    samples: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    last_sql: list[str] = []
    failures: dict[str, int] = defaultdict(int)
    counting = False

    def record(name: str, cpu: float, wall: float, status: int) -> None:
        if not counting:
            return
        samples[name].append((cpu, wall, len(STATEMENTS)))
        if name == args.sql:
            last_sql[:] = STATEMENTS
        if status >= 400:
            failures[name] += 1

    users = []
    for role, weight in WEIGHTS.items():
        for account in found[role][: round(args.users * weight / total)]:
            users.append((role, ClientUser(app, account, found["password"], record)))
    print(
        f"{len(users)} users: " + ", ".join(f"{sum(r == role for r, _ in users)} {role}s" for role in WEIGHTS)
    )

    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    for round_no in range(args.rounds + 1):
        counting = round_no > 0
        if profiler and counting:
            profiler.enable()
        random.shuffle(users)
        for role, user in users:
            JOURNEYS[role](user)
        if profiler and counting:
            profiler.disable()
        print(f"round {round_no}{' (warm-up)' if not counting else ''} done", flush=True)

    report(samples, failures)
    for number, sql in enumerate(last_sql, 1):
        print(f"\n-- {args.sql}, statement {number}\n{sql}")
    if profiler:
        profiler.dump_stats(args.profile)
        stats = pstats.Stats(str(args.profile))
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)


def report(samples: dict, failures: dict) -> None:
    all_cpu = sum(row[0] for rows in samples.values() for row in rows)
    count = sum(len(rows) for rows in samples.values())
    print(f"\n{count} requests, {all_cpu * 1000 / count:.1f} ms CPU per request on average\n")
    print(
        f"{'page':<40} {'n':>5} {'cpu med':>8} {'cpu mean':>9} {'wall med':>9} {'share':>6} {'stmts':>6} {'fail':>5}"
    )
    for name, rows in sorted(samples.items(), key=lambda kv: -sum(row[0] for row in kv[1])):
        cpus = [row[0] * 1000 for row in rows]
        walls = [row[1] * 1000 for row in rows]
        statements = statistics.mean(row[2] for row in rows)
        print(
            f"{name:<40} {len(rows):>5} {statistics.median(cpus):>8.1f} {statistics.mean(cpus):>9.1f} "
            f"{statistics.median(walls):>9.1f} {sum(cpus) / 10 / all_cpu:>5.1f}% {statements:>6.1f} "
            f"{failures.get(name, 0):>5}"
        )


if __name__ == "__main__":
    main()
