"""Benchmark: the dashboard and the project list at 100,000 entries with 150,000 projects (issue 13), side by side
with the dashboard and the whitelist list before projects.

The same way as bench/dashboard.py and bench/pages.py (whose helpers it uses): a schema from the migrations, the
large campaign (bench/seed_large.py with bench/seed_projects.py: 100,000 entries, 1,000,000 contact logs,
150,000 projects with their schedules, returns and arrivals), ANALYZE, then each page requested in-process through
the app's test client as the manager or the county head of 东昌府区: 2 warm-up requests, then 20 timed ones,
median and nearest-rank p95 of the wall time, SQL statements per request. The dashboard is timed cold (its figure
cache off) and cached (the cache filled by the warm-up). The whitelist list pages are timed again on the same
data, so both lists are compared on one database under one load.

"Before" is the code before projects (commit f8b3653) on its own campaign (the same seed without projects:
100,000 entries, 12 % of them signed, 20,000 arrivals), measured on the same machine the same day with
bench/dashboard.py and bench/pages.py: bench/results/before-projects/{dashboard,pages}-<dialect>.json.

    .venv/bin/python bench/projects.py                                          # SQLite, a temporary file
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_projects .venv/bin/python bench/projects.py
    BENCH_ENTRIES=2000 BENCH_LOGS=20000 .venv/bin/python bench/projects.py         # a quick run
    .venv/bin/python bench/projects.py --sqlite /tmp/projects.db [--reuse]        # SQLite, a file kept for reruns

BENCH_DATABASE_URL's database is emptied and rebuilt (every table is dropped) unless --reuse finds a campaign of
this size there (then only the migrations added since are applied, and ANALYZE runs again). Options: --entries,
--logs, --projects (default 1.5 per entry), --runs, --warmup, --explain, --output, --only (pages whose label contains one of
the comma-separated words).
"dashboard (snapshot)" is the page as a worker without figures of its own serves it: from the snapshot the
scheduler's `figures` job stored (crm/dashboard/snapshots.py; the pass is timed and printed first); "dashboard"
is the figures computed for the request (both caches off), which is what that job pays per scope.
Writes bench/results/projects-<dialect>.json; docs/PERFORMANCE.md records the figures."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import seed_large  # noqa: E402
from bench.dashboard import (  # noqa: E402
    Statements,
    database_version,
    explain,
    fresh_schema,
    machine,
    seeded_size,
    statements_json,
)
from bench.pages import Page, measure  # noqa: E402
from config import TestConfig  # noqa: E402
from crm import create_app  # noqa: E402
from crm.dashboard.cache import figure_cache  # noqa: E402
from crm.dashboard.services import refresh_snapshots  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.plans.models import FundArrival  # noqa: E402
from crm.projects.models import FundPlan, FundReturn, Project  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BEFORE = RESULTS / "before-projects"
CACHED = " (cached)"
SEARCH = "精密机械"  # one of seed_large.TRADES: about 1 in 30 enterprises, and their projects' names

# (label, who, url, the page before projects it is compared with: (results file, label) or None)
SNAPSHOT = " (snapshot)"
PAGES = [
    ("dashboard" + SNAPSHOT, "manager", "/dashboard/?year={year}", ("dashboard", "dashboard")),
    ("dashboard" + SNAPSHOT, "head", "/dashboard/?year={year}", ("dashboard", "dashboard")),
    ("dashboard", "manager", "/dashboard/?year={year}", ("dashboard", "dashboard")),
    ("dashboard", "head", "/dashboard/?year={year}", ("dashboard", "dashboard")),
    ("dashboard" + CACHED, "manager", "/dashboard/?year={year}", ("dashboard", "dashboard" + CACHED)),
    ("dashboard" + CACHED, "head", "/dashboard/?year={year}", ("dashboard", "dashboard" + CACHED)),
    ("projects: first page", "manager", "/projects/", ("pages", "list: first page")),
    ("projects: first page", "head", "/projects/", ("pages", "list: first page")),
    ("projects: red lights", "manager", "/projects/?light=red", ("pages", "list: red lights")),
    ("projects: red lights", "head", "/projects/?light=red", ("pages", "list: red lights")),
    ("projects: agreement", "manager", "/projects/?agreement=framework", ("pages", "list: state + county")),
    ("projects: band", "manager", "/projects/?band=10to50", ("pages", "list: category")),
    ("projects: search name", "manager", "/projects/?q=" + SEARCH, ("pages", "list: search name")),
    ("projects: search name", "head", "/projects/?q=" + SEARCH, ("pages", "list: search name")),
    ("projects: page 50", "manager", "/projects/?page=50", ("pages", "list: page 50")),
    ("list: first page", "manager", "/whitelist/", ("pages", "list: first page")),
    ("list: first page", "head", "/whitelist/", ("pages", "list: first page")),
    ("list: red lights", "manager", "/whitelist/?light=red", ("pages", "list: red lights")),
    ("list: red lights", "head", "/whitelist/?light=red", ("pages", "list: red lights")),
    ("list: search name", "manager", "/whitelist/?q=" + SEARCH, ("pages", "list: search name")),
]
USERS = {"manager": seed_large.MANAGER, "head": seed_large.HEAD}


def before_figures(dialect: str) -> dict[tuple[str, str, str], dict]:
    """The figures before projects, by (file, page, user): the 100,000-entry scale of pages-<dialect>.json and
    dashboard-<dialect>.json under bench/results/before-projects."""
    out: dict[tuple[str, str, str], dict] = {}
    dash = BEFORE / f"dashboard-{dialect}.json"
    if dash.exists():
        for row in json.loads(dash.read_text())["pages"]:
            out[("dashboard", row["page"], row["user"])] = row
    pages = BEFORE / f"pages-{dialect}.json"
    if pages.exists():
        scales = json.loads(pages.read_text())["scales"]
        for row in max(scales, key=lambda s: s["entries"])["pages"]:
            out[("pages", row["page"], row["user"])] = row
    return out


def counts() -> dict[str, int]:
    """What the campaign holds (the rows the pages read)."""
    tables = {
        "projects": Project,
        "fund_plans": FundPlan,
        "fund_returns": FundReturn,
        "fund_arrivals": FundArrival,
    }
    out = {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in tables.items()}
    out["entries"] = seeded_size() or 0
    out["entries with projects"] = db.session.scalar(select(func.count(func.distinct(Project.entry_id))))
    return out


def git_commit() -> str:
    try:
        root = Path(__file__).resolve().parent.parent
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "crm", "migrations", "templates"], cwd=root,
                               capture_output=True, text=True)  # fmt: skip
        return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=int(os.environ.get("BENCH_ENTRIES", 100_000)))
    parser.add_argument("--logs", type=int, default=int(os.environ.get("BENCH_LOGS", 1_000_000)))
    parser.add_argument("--projects", type=int, default=None, help="projects to seed (default 1.5 per entry)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 20)))
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--explain", type=int, default=8, help="how many of the slowest statements to explain"
    )
    parser.add_argument("--reuse", action="store_true", default=os.environ.get("BENCH_REUSE") == "1")
    parser.add_argument("--sqlite", type=Path, help="a SQLite file to keep (instead of a temporary one)")
    parser.add_argument("--output", type=Path, help="where to write the results (default bench/results/…)")
    parser.add_argument(
        "--only", help="time only the pages whose label contains one of these (comma-separated)"
    )
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    if args.sqlite:
        url = f"sqlite:///{args.sqlite.resolve()}"
    scratch = None
    if not url:
        scratch = tempfile.mkdtemp(prefix="crm-bench-projects-")
        url = f"sqlite:///{scratch}/projects.db"
    if make_url(url).database == "test":
        sys.exit("refusing to use the database 'test': the test suite owns it (use e.g. bench_projects)")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        dialect = db.engine.dialect.name
        today = local_date(utcnow())
        print(f"database: {dialect} ({make_url(url).render_as_string(hide_password=True)})")
        seeded, seed_seconds, analyze_seconds = None, None, None
        if args.reuse and seeded_size() == args.entries:
            print(f"reusing the {args.entries:,} entries already there")
            before = db.session.scalar(text("SELECT version_num FROM alembic_version"))
            db.session.commit()
            upgrade()  # an index added since the seeding is applied to the rows kept
            if db.session.scalar(text("SELECT version_num FROM alembic_version")) != before:
                seed_large.analyze()
        else:
            started = time.perf_counter()
            fresh_schema()
            print(f"schema from the migrations in {time.perf_counter() - started:.1f} s; seeding …")
            started = time.perf_counter()
            seeded = seed_large.seed(args.entries, args.logs, today, projects=args.projects)
            seed_seconds = time.perf_counter() - started
            started = time.perf_counter()
            seed_large.analyze()
            analyze_seconds = time.perf_counter() - started
            print(f"seeded in {seed_seconds:.1f} s; ANALYZE {analyze_seconds:.1f} s")
        held = counts()
        version = database_version(dialect)
        engine = db.engine
        db.session.remove()
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in held.items()))

    counter = Statements(engine)
    clients = {}
    for who, username in USERS.items():
        client = app.test_client()
        response = client.post("/auth/login", data={"username": username, "password": seed_large.PASSWORD})
        assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
        clients[who] = client

    before = before_figures(dialect)
    rows, profile = [], []
    load_before = os.getloadavg()
    wanted = [w.strip() for w in (args.only or "").split(",") if w.strip()]
    for label, who, pattern, compare in PAGES:
        if wanted and not any(w in label for w in wanted):
            continue
        target = pattern.format(year=today.year)
        cached = label.endswith(CACHED)
        app.config["DASHBOARD_CACHE_SECONDS"] = 3600 if cached else 0
        with app.app_context():
            figure_cache().clear()
            if label.endswith(SNAPSHOT):  # what the scheduler's `figures` job leaves for a cold worker
                app.config["DASHBOARD_SNAPSHOT_SECONDS"] = 3600
                started = time.perf_counter()
                scopes = refresh_snapshots(utcnow())
                print(f"  the scheduler's pass: {scopes} scopes in {time.perf_counter() - started:.1f} s")
        page = Page(label, who, target)
        try:
            row, timed = measure(app, lambda c=clients[who], t=target: c.get(t), page, counter,
                                 max(args.warmup, 1) if cached else args.warmup, args.runs)  # fmt: skip
        except Exception as error:  # a page that fails is reported, and the others still run
            print(f"  {label} ({who}): FAILED {error!r}")
            rows.append({"page": label, "user": who, "url": target, "error": repr(error)})
            continue
        finally:
            app.config["DASHBOARD_CACHE_SECONDS"] = 0
            app.config["DASHBOARD_SNAPSHOT_SECONDS"] = 0
        base = before.get((compare[0], compare[1], who)) if compare else None
        if base and "error" not in base:
            row["before"] = {"page": compare[1], "median_ms": base["median_ms"], "p95_ms": base["p95_ms"],
                             "queries": base["queries"]}  # fmt: skip
            row["ratio_median"] = round(row["median_ms"] / base["median_ms"], 2)
            row["ratio_p95"] = round(row["p95_ms"] / base["p95_ms"], 2)
        rows.append({"page": label, "user": who, "url": target, **row})
        profile += [{"page": f"{label} ({who})", "ms": took, "sql": sql, "params": params}
                    for took, sql, params in timed]  # fmt: skip
        print(f"  {label} ({who}): median {row['median_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, "
              f"{row['queries']} queries")  # fmt: skip
    load_after = os.getloadavg()

    with app.app_context():
        slowest, seen = [], set()
        for item in sorted(profile, key=lambda p: -p["ms"]):
            if item["sql"] in seen:
                continue
            seen.add(item["sql"])
            item["plan"] = explain(item["sql"], item["params"], dialect)
            slowest.append(item)
            if len(slowest) == args.explain:
                break
        db.session.remove()
    engine.dispose()

    result = {
        "benchmark": "projects",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "commit": git_commit(),
        "database": version,
        "dialect": dialect,
        "machine": machine(),
        "scale": {"entries": args.entries, "logs": args.logs, "held": held, "rows": seeded},
        "seed_seconds": round(seed_seconds, 1) if seed_seconds is not None else None,
        "analyze_seconds": round(analyze_seconds, 1) if analyze_seconds is not None else None,
        "runs": args.runs,
        "warmup": args.warmup,
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in load_after],
        },
        "pages": rows,
        "slowest_statements": statements_json(slowest),
    }
    out = args.output or RESULTS / f"projects-{dialect}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    print_table(result)
    print(f"\nresults and the slowest statements with their plans: {out}")
    for s in slowest:
        flat = " ".join(s["sql"].split())
        print(f"  {s['ms']:8.1f} ms  [{s['page']}]  {flat[:140]}{'…' if len(flat) > 140 else ''}")
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)


def print_table(result: dict) -> None:
    print()
    print(f"{result['database']}; {result['scale']['held']['projects']:,} projects on "
          f"{result['scale']['entries']:,} entries; {result['runs']} timed requests each; ms")  # fmt: skip
    header = f"{'page':<26} {'user':<8} {'median / p95 (q)':>20} {'before: page':<22} {'median / p95 (q)':>20} {'× p95':>6}"
    print(header)
    print("-" * len(header))
    for row in result["pages"]:
        if "error" in row:
            print(f"{row['page']:<26} {row['user']:<8} failed: {row['error'][:80]}")
            continue
        now = f"{row['median_ms']:.1f} / {row['p95_ms']:.1f} ({row['queries']})"
        base = row.get("before")
        then = f"{base['median_ms']:.1f} / {base['p95_ms']:.1f} ({base['queries']})" if base else "—"
        ratio = f"{row['ratio_p95']:.2f}" if base else ""
        print(
            f"{row['page']:<26} {row['user']:<8} {now:>20} {(base or {}).get('page', ''):<22} {then:>20} {ratio:>6}"
        )
    loads = result["load_average"]
    print(f"load average (1, 5, 15 min) before the timed requests {loads['before']}, after {loads['after']}")


if __name__ == "__main__":
    main()
