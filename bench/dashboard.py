"""Benchmark: the manager dashboard over 100,000 whitelist entries and 1,000,000 contact logs (issues 6 and 8).

Builds a fresh schema with the migrations, seeds a large campaign with bulk inserts (bench/seed_large.py), runs
ANALYZE, then requests each page in-process through the app's test client as a logged-in manager (and a county
head): 2 warm-up requests, then 20 timed ones. Reports the median and p95 wall time of `client.get` (the whole
server side: queries, Python, templates, the workbook) and the SQL statements per request. One more request per
page records every statement's time; the slowest are printed with their query plan. The dashboard is timed twice:
computing its figures on every request (the cache off), and served from its figure cache (the "(cached)" rows).

    .venv/bin/python bench/dashboard.py                                     # SQLite, a temporary file
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/crm_bench .venv/bin/python bench/dashboard.py
    BENCH_ENTRIES=2000 BENCH_LOGS=20000 .venv/bin/python bench/dashboard.py  # a quick run
    .venv/bin/python bench/dashboard.py --sqlite /tmp/dash.db [--reuse]    # SQLite, a file kept for reruns

BENCH_DATABASE_URL's database is emptied and rebuilt (every table is dropped). Options: --runs, --warmup,
--reuse (keep the rows already in BENCH_DATABASE_URL if it holds a seeded campaign of this size), --explain N,
--sqlite PATH (a SQLite file that is kept, instead of a temporary one, so --reuse can time it again).
Writes bench/results/dashboard-<dialect>.json; docs/PERFORMANCE.md records the figures."""

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import seed_large  # noqa: E402
from config import TestConfig  # noqa: E402
from crm import create_app  # noqa: E402
from crm.dashboard.cache import figure_cache  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.refdata.seed import seed_reference  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"

# (label, who, url): who is "manager" or "head" (the county head of 东昌府区). The pages are timed with the
# dashboard's figure cache off (DASHBOARD_CACHE_SECONDS=0: every request computes), except the "(cached)" rows,
# timed with it on after the warm-up requests filled it: what a request within the TTL of another costs.
CACHED = " (cached)"
PAGES = [
    ("dashboard", "manager", "/dashboard/?year={year}"),
    ("dashboard", "head", "/dashboard/?year={year}"),
    ("dashboard" + CACHED, "manager", "/dashboard/?year={year}"),
    ("dashboard" + CACHED, "head", "/dashboard/?year={year}"),
    ("dashboard export.xlsx", "manager", "/dashboard/export.xlsx?year={year}"),
    ("weekly rankings", "manager", "/dashboard/rankings"),
    ("weekly rankings", "head", "/dashboard/rankings"),
    ("list: signed this year", "manager", "/whitelist/?milestone=signed&from={year}-01-01&to={year}-12-31"),
    ("list: red lights", "manager", "/whitelist/?light=red"),
    ("list: red lights", "head", "/whitelist/?light=red"),
]
USERS = {"manager": seed_large.MANAGER, "head": seed_large.HEAD}


class Statements:
    """Counts the SQL statements sent to the database; while `captured` is a list, also keeps them."""

    def __init__(self, engine):
        self.count = 0
        self.captured: list | None = None
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        if self.captured is not None:
            self.captured.append((statement, parameters))


def replay(statement: str, parameters) -> float:
    """Milliseconds to run the statement again and fetch all its rows (SQLite does much of its work while the
    rows are fetched, after the cursor's execute returns, so timing execute alone would flatter it)."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        started = time.perf_counter()
        cur.execute(statement, parameters)
        cur.fetchall()
        took = time.perf_counter() - started
        cur.close()
        raw.rollback()
        return took * 1000
    finally:
        raw.close()


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def measure(client, target: str, counter: Statements, warmup: int, runs: int) -> tuple[dict, list]:
    """Warm up, time `runs` requests, then capture the statements of one more and time each of them again;
    returns the figures and the timed statements."""
    for _ in range(warmup):
        response = client.get(target)
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}")
    times, queries = [], []
    for _ in range(runs):
        before = counter.count
        started = time.perf_counter()
        response = client.get(target)
        times.append((time.perf_counter() - started) * 1000)
        queries.append(counter.count - before)
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}")
    counter.captured = []
    try:
        client.get(target)
        captured = counter.captured
    finally:
        counter.captured = None
    with client.application.app_context():
        timed = [(replay(sql, params), sql, params) for sql, params in captured]
    row = {
        "sql_ms": round(sum(t for t, _, _ in timed), 1),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "queries": max(queries),
        "queries_min": min(queries),
        "bytes": len(response.data),
    }
    return row, timed


def statements_json(slowest: list[dict]) -> list[dict]:
    """The slowest statements as the results files keep them."""
    return [
        {
            "page": s["page"],
            "ms": round(s["ms"], 1),
            "sql": s["sql"],
            "params": repr(s["params"]),
            "plan": s["plan"],
        }
        for s in slowest
    ]


def fresh_schema() -> None:
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    seed_reference()


def seeded_size() -> int | None:
    try:
        return db.session.scalar(select(func.count()).select_from(WhitelistEntry))
    except Exception:  # no schema yet
        db.session.rollback()
        return None


def explain(statement: str, parameters, dialect: str) -> list[str]:
    """The query plan: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if dialect == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [row[0] for row in cur.fetchall()]
        else:
            cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _, detail in cur.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
        cur.close()
        raw.rollback()
        return lines
    finally:
        raw.close()


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def database_version(dialect: str) -> str:
    if dialect == "postgresql":
        version = db.session.scalar(text("SHOW server_version")).split()[0]
        return f"PostgreSQL {version} (jit {db.session.scalar(text('SHOW jit'))})"
    return "SQLite " + sqlite3.sqlite_version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=int(os.environ.get("BENCH_ENTRIES", 100_000)))
    parser.add_argument("--logs", type=int, default=int(os.environ.get("BENCH_LOGS", 1_000_000)))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--explain", type=int, default=6, help="how many of the slowest statements to explain"
    )
    parser.add_argument("--reuse", action="store_true", default=os.environ.get("BENCH_REUSE") == "1")
    parser.add_argument("--output", type=Path, help="where to write the results (default bench/results/…)")
    parser.add_argument("--sqlite", type=Path, help="a SQLite file to keep (instead of a temporary one)")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    if args.sqlite:
        url = f"sqlite:///{args.sqlite.resolve()}"
    scratch = None
    if not url:
        scratch = tempfile.mkdtemp(prefix="crm-bench-")
        url = f"sqlite:///{scratch}/dashboard.db"
    if make_url(url).database == "test":
        sys.exit("refusing to use the database 'test': the test suite owns it (use e.g. crm_bench)")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        dialect = db.engine.dialect.name
        today = local_date(utcnow())
        year = today.year
        print(f"database: {dialect} ({make_url(url).render_as_string(hide_password=True)})")
        if args.reuse and seeded_size() == args.entries:
            print(f"reusing the {args.entries:,} entries already there")
            seeded, seed_seconds, analyze_seconds = None, None, None
        else:
            started = time.perf_counter()
            fresh_schema()
            print(f"schema from the migrations in {time.perf_counter() - started:.1f} s; seeding …")
            started = time.perf_counter()
            seeded = seed_large.seed(args.entries, args.logs, today)
            seed_seconds = time.perf_counter() - started
            started = time.perf_counter()
            seed_large.analyze()
            analyze_seconds = time.perf_counter() - started
            print(
                f"seeded {sum(seeded.values()):,} rows in {seed_seconds:.1f} s; ANALYZE {analyze_seconds:.1f} s"
            )
        version = database_version(dialect)
        engine = db.engine
        db.session.remove()

    counter = Statements(engine)
    clients = {}
    for who, username in USERS.items():
        client = app.test_client()
        response = client.post("/auth/login", data={"username": username, "password": seed_large.PASSWORD})
        assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
        clients[who] = client

    pages, profile = [], []
    load_before = os.getloadavg()
    for label, who, pattern in PAGES:
        target = pattern.format(year=year)
        cached = label.endswith(CACHED)
        app.config["DASHBOARD_CACHE_SECONDS"] = 3600 if cached else 0
        with app.app_context():
            figure_cache().clear()
        try:
            row, timed = measure(clients[who], target, counter, max(args.warmup, 1) if cached else args.warmup,
                                 args.runs)  # fmt: skip
        except Exception as error:  # a page that fails is reported, and the others still run
            print(f"  {label} ({who}): FAILED {error!r}")
            pages.append({"page": label, "user": who, "url": target, "error": repr(error)})
            continue
        finally:
            app.config["DASHBOARD_CACHE_SECONDS"] = 0
        pages.append({"page": label, "user": who, "url": target, **row})
        profile += [{"page": f"{label} ({who})", "ms": took, "sql": sql, "params": params}
                    for took, sql, params in timed]  # fmt: skip
        print(
            f"  {label} ({who}): median {row['median_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms, {row['queries']} queries"
        )
    load_after = os.getloadavg()

    # The slowest distinct statements, with their plans.
    slowest, seen = [], set()
    for item in sorted(profile, key=lambda p: -p["ms"]):
        if item["sql"] in seen:
            continue
        seen.add(item["sql"])
        slowest.append(item)
        if len(slowest) == args.explain:
            break
    with app.app_context():
        for item in slowest:
            item["plan"] = explain(item["sql"], item["params"], dialect)
        db.session.remove()

    result = {
        "benchmark": "dashboard",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "database": version,
        "dialect": dialect,
        "machine": machine(),
        "scale": {"entries": args.entries, "logs": args.logs, "rows": seeded},
        "seed_seconds": round(seed_seconds, 1) if seed_seconds is not None else None,
        "analyze_seconds": round(analyze_seconds, 1) if analyze_seconds is not None else None,
        "runs": args.runs,
        "warmup": args.warmup,
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in load_after],
        },
        "pages": pages,
        "slowest_statements": statements_json(slowest),
    }
    out = args.output or RESULTS / f"dashboard-{dialect}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")

    print()
    print(f"{version}; {args.entries:,} entries, {args.logs:,} contact logs; {args.runs} timed requests each")
    header = (
        f"{'page':<26} {'user':<8} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'SQL ms':>8} {'KiB':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in pages:
        if "error" in row:
            print(f"{row['page']:<26} {row['user']:<8} failed: {row['error'][:80]}")
            continue
        print(f"{row['page']:<26} {row['user']:<8} {row['median_ms']:>10.1f} {row['p95_ms']:>8.1f} "
              f"{row['queries']:>8} {row['sql_ms']:>8.0f} {row['bytes'] / 1024:>7.0f}")  # fmt: skip
    print()
    print("SQL ms: the statements of one more request, each run again on its own (execute and fetch).")
    print(f"slowest statements (plans in {out}):")
    for s in slowest:
        flat = " ".join(s["sql"].split())
        print(f"  {s['ms']:8.1f} ms  [{s['page']}]  {flat[:150]}{'…' if len(flat) > 150 else ''}")
    loads = result["load_average"]
    print(f"load average (1, 5, 15 min) before the timed requests {loads['before']}, after {loads['after']}")
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
