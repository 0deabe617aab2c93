"""Benchmark: the everyday pages at 1,000 and 100,000 whitelist entries (issue 8).

The same way as bench/dashboard.py (whose helpers it imports): a schema from the migrations, a campaign seeded
with bulk inserts (bench/seed_large.py, ten contact logs per entry), ANALYZE, then each page requested in-process
through the app's test client as a logged-in user: 2 warm-up requests, then 20 timed ones. Reports the median and
p95 (nearest rank) wall time of the request (queries, Python, templates; no network), the median CPU time of the
process per request and the SQL statements per request, at each scale, and the ratio of the time at the largest scale to the time at the smallest.

Pages: the whitelist list (first page; filtered by state and county, by category, by red light; searched by a
name fragment and by a credit code; page 50), an entry's page (a worked target with its plan and contact log: a
typical one and the one with the most logs), my tasks, the contact-log form and logging a visit (each timed POST
writes a new log; the rows are counted afterwards), and the dashboard (manager, county head). Users: the manager,
the county head of 东昌府区, and the lead and a member of the 东昌府区 team that works the most targets.

    .venv/bin/python bench/pages.py                                         # SQLite, temporary files
    BENCH_DATABASE_URL='postgresql+psycopg://postgres@127.0.0.1:5432/crm_pages{scale}' .venv/bin/python bench/pages.py
    BENCH_SCALES=1000 .venv/bin/python bench/pages.py                        # one scale (a quick run)
    .venv/bin/python bench/pages.py --reuse                                  # seed once, then reuse

`{scale}` in BENCH_DATABASE_URL becomes 1k, 100k …: one database per scale (created beforehand, e.g.
`createdb crm_pages1k`); every table in it is dropped and rebuilt unless --reuse finds a campaign of that size
there (then only the migrations added since are applied). Without {scale} the scales take turns in one database.
On SQLite the databases are files in a temporary directory, removed afterwards; with --reuse they are kept in
$TMPDIR/crm-bench-pages (or --sqlite-dir) for the next run. Options: --scales, --runs, --warmup, --explain,
--output. The app runs with TestConfig (CSRF off, so the POST needs no token); the dashboard is measured computed,
from a snapshot and from the worker's cache (see PAGES). Writes bench/results/pages-<dialect>.json with every scale
measured (the other scales already in the file are kept), the load average during each scale, and the slowest
statements with their plans. Each page with a target (issue 16) has it printed beside its figure.

    --baseline 84052e3    # the same pages on that revision first, then on this checkout, side by side

The baseline runs this very script in a git worktree of the revision ($TMPDIR/crm-bench-baseline-<rev>) on its own
databases: BENCH_DATABASE_URL's database name with "_before" appended (crm_pages{scale}_before), or on SQLite a
"before" directory beside the others; it is seeded by the revision's own migrations and seed."""

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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
    percentile,
    replay,
    seeded_size,
    statements_json,
)
from bench.pages_report import print_comparison, print_table, ratios  # noqa: E402
from config import TestConfig  # noqa: E402
from crm import create_app  # noqa: E402
from crm.auth.models import User  # noqa: E402
from crm.enterprises.models import Enterprise, EnterpriseCategory  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.plans.models import OPEN, ContactLog, Task  # noqa: E402
from crm.refdata.models import CategoryTag, Region  # noqa: E402
from crm.teams.models import Team, TeamMember  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402
from crm.vocab import WORKING_STATES, State  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
LOGS_PER_ENTRY = 10
# The whitelist list pages: paginated, so their time should hardly grow with the data (target: at most 2×).
PAGINATED = "list"


@dataclass
class Page:
    label: str
    who: str  # manager | head | lead | member
    url: str  # formatted with the targets picked from the data
    method: str = "GET"
    status: int = 200
    config: dict = field(default_factory=dict)  # app settings while this page is measured

    @property
    def paginated(self) -> bool:
        return self.label.startswith(PAGINATED)


PAGES = [
    Page("list: first page", "manager", "/whitelist/"),
    Page("list: first page", "head", "/whitelist/"),
    Page("list: first page", "lead", "/whitelist/"),
    Page("list: first page", "member", "/whitelist/"),
    Page("list: state + county", "manager", "/whitelist/?state=contacting&region={region}"),
    Page("list: category", "manager", "/whitelist/?tag={tag}"),
    Page("list: red lights", "manager", "/whitelist/?light=red"),
    # The same with its total counted on every request (the first visit of a list, or after a write).
    Page("list: red lights, counted", "manager", "/whitelist/?light=red", config={"LIST_COUNT_SECONDS": 0}),
    Page("list: red lights", "head", "/whitelist/?light=red"),
    Page("list: search name", "manager", "/whitelist/?q={name_fragment}"),
    Page("list: search name", "head", "/whitelist/?q={name_fragment}"),
    Page("list: search credit code", "manager", "/whitelist/?q={uscc_prefix}"),
    Page("list: page 50", "manager", "/whitelist/?page=50"),
    Page("list: page 50, by name", "manager", "/whitelist/?page=50&sort=name"),
    Page("entry: typical target", "member", "/whitelist/{typical}"),
    Page("entry: typical target", "manager", "/whitelist/{typical}"),
    Page("entry: most logs", "member", "/whitelist/{busiest}"),
    Page("my tasks", "member", "/plans/tasks"),
    Page("my tasks", "lead", "/plans/tasks"),
    Page("log form", "member", "/plans/entries/{log_target}/log"),
    Page("log a visit (POST)", "member", "/plans/entries/{log_target}/log", method="POST", status=302),
    Page("team page", "lead", "/teams/{team_id}"),
    # The dashboard three ways. Computed: every figure counted on the request (what the scheduler's job costs).
    # Cold worker: a worker without figures of its own (nor their rendered tables, crm/dashboard/fragments.py,
    # forgotten before each request) reads the newest snapshot (the warm-up's first request
    # computes and stores it, as the scheduler does every few minutes). Cached: the worker's own copy.
    *(
        Page(label, who, "/dashboard/?year={year}", config=config)
        for label, config in (
            ("dashboard: computed", {"DASHBOARD_CACHE_SECONDS": 0, "DASHBOARD_SNAPSHOT_SECONDS": 0}),
            ("dashboard: cold worker", {"DASHBOARD_CACHE_SECONDS": 0, "DASHBOARD_SNAPSHOT_SECONDS": 3600}),
            ("dashboard: cached", {"DASHBOARD_CACHE_SECONDS": 3600, "DASHBOARD_SNAPSHOT_SECONDS": 0}),
        )
        for who in ("manager", "head")
    ),
]


def forget_rendered_tables() -> None:
    """A cold worker has no dashboard tables rendered yet (a revision before crm.dashboard.fragments had none)."""
    try:
        from crm.dashboard import fragments
    except ImportError:
        return
    fragments.clear()


def scale_label(entries: int) -> str:
    if entries % 1000 == 0:
        return f"{entries // 1000}k"
    return str(entries)


def pick_targets(year: int) -> dict:
    """The users and records the pages are measured on, chosen from the data (the same on every run)."""
    head_region = db.session.scalar(select(Region.id).where(Region.code == seed_large.HEAD_CODE))
    worked = WhitelistEntry.state.in_(WORKING_STATES)
    # The county's team that works the most targets.
    team_id = db.session.execute(
        select(WhitelistEntry.team_id, func.count())
        .join(Team, Team.id == WhitelistEntry.team_id)
        .where(Team.region_id == head_region, worked)
        .group_by(WhitelistEntry.team_id)
        .order_by(func.count().desc(), WhitelistEntry.team_id)
        .limit(1)
    ).first()[0]
    team = db.session.get(Team, team_id)
    # Its member with the most open tasks on worked targets.
    open_tasks = (
        select(func.count())
        .select_from(Task)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .where(Task.owner_id == TeamMember.user_id, Task.status == OPEN, worked)
        .scalar_subquery()
    )
    member_id = db.session.execute(
        select(TeamMember.user_id, open_tasks)
        .where(TeamMember.team_id == team_id)
        .order_by(open_tasks.desc(), TeamMember.user_id)
        .limit(1)
    ).first()[0]
    # The log target: the member's first target in 对接中 (the member's own if there is one), else the team's first
    # worked one (at 1,000 entries the team may have none in 对接中).
    log_target = db.session.scalar(
        select(WhitelistEntry.id)
        .where(WhitelistEntry.team_id == team_id, worked)
        .order_by(
            (WhitelistEntry.state == State.CONTACTING).desc(),
            (WhitelistEntry.owner_id == member_id).desc(),
            WhitelistEntry.id,
        )
        .limit(1)
    )
    # Detail pages: the team's worked targets by their number of logs (the log target excluded, as it grows).
    logs = (
        select(func.count()).select_from(ContactLog).where(ContactLog.entry_id == WhitelistEntry.id)
    ).scalar_subquery()

    def by_logs_in(states) -> list:
        return db.session.execute(
            select(WhitelistEntry.id, logs)
            .where(
                WhitelistEntry.team_id == team_id,
                WhitelistEntry.state.in_(states),
                WhitelistEntry.id != log_target,
            )
            .order_by(logs, WhitelistEntry.id)
        ).all()

    # Targets in talks; at a small scale the team may have none besides the log target, then any worked one.
    by_logs = by_logs_in((State.CONTACTING, State.NEGOTIATING)) or by_logs_in(WORKING_STATES)
    typical, busiest = by_logs[len(by_logs) // 2], by_logs[-1]
    # A category tag and search terms that match a good share of the enterprises.
    tag = db.session.execute(
        select(CategoryTag.id, CategoryTag.name)
        .join(EnterpriseCategory, EnterpriseCategory.tag_id == CategoryTag.id)
        .group_by(CategoryTag.id, CategoryTag.name)
        .order_by(func.count().desc(), CategoryTag.id)
        .limit(1)
    ).first()
    uscc = db.session.scalar(
        select(Enterprise.uscc).where(Enterprise.uscc.isnot(None)).order_by(Enterprise.id).limit(1)
    )
    username = {uid: name for uid, name in db.session.execute(
        select(User.id, User.username).where(User.id.in_((team.leader_id, member_id)))
    )}  # fmt: skip
    return {
        "year": year,
        "region": head_region,
        "tag": tag.id,
        "tag_name": tag.name,
        "name_fragment": "精密机械",  # one of seed_large.TRADES: about 1 in 30 enterprises
        "uscc_prefix": uscc[:14],  # a credit code's first 14 characters: under 1 % of the enterprises
        "team": team.name,
        "team_id": team_id,
        "lead": username[team.leader_id],
        "member": username[member_id],
        "log_target": log_target,
        "typical": typical[0],
        "typical_logs": typical[1],
        "busiest": busiest[0],
        "busiest_logs": busiest[1],
    }


def schema_revision() -> str | None:
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def log_form(member_id: int, now: datetime, zone: ZoneInfo) -> dict:
    """The contact-log form as a member fills it in on a phone: a phone call a few minutes ago."""
    local = (now - timedelta(minutes=5)).astimezone(zone)
    return {
        "occurred_on": local.date().isoformat(),
        "occurred_time": local.strftime("%H:%M"),
        "kind": "phone",
        "summary": "基准测试：电话沟通项目进展",
        "participants": str(member_id),
        "complete_task": "0",
    }


def measure(
    app, send: Callable, page: Page, counter: Statements, warmup: int, runs: int
) -> tuple[dict, list]:
    """Warm up, time `runs` requests, then capture the statements of one more and time each of them again.
    Requests run outside any app context, so each gets its own (and its own database session), as in production."""

    def once():
        response = send()
        if response.status_code != page.status:
            raise RuntimeError(f"status {response.status_code}, expected {page.status}")
        return response

    for _ in range(warmup):
        once()
    times, cpu, queries = [], [], []
    for _ in range(runs):
        before = counter.count
        started, cpu_started = time.perf_counter(), time.process_time()
        response = once()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        queries.append(counter.count - before)
    counter.captured = []
    try:
        once()
        captured = counter.captured
    finally:
        counter.captured = None
    # Reads only: a write replayed would collide with the one the request made (and is rolled back anyway).
    reads = [(sql, params) for sql, params in captured if sql.lstrip()[:6].upper() in ("SELECT", "WITH")]
    with app.app_context():
        timed = [(replay(sql, params), sql, params) for sql, params in reads]
    row = {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        # this process's CPU (Python, templates, the driver; SQLite's work too, not PostgreSQL's): what a web
        # worker spends per request, the figure that bounds throughput under `make load`
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "queries": max(queries),
        "queries_min": min(queries),
        "sql_ms": round(sum(t for t, _, _ in timed), 1),  # the reads, each run again on its own
        "bytes": len(response.data),
        "top_statements": [
            {"ms": round(t, 1), "sql": " ".join(sql.split())[:300]}
            for t, sql, _ in sorted(timed, key=lambda x: -x[0])[:3]
        ],
    }
    return row, timed


def database_url(entries: int, sqlite_dir: Path | None) -> str:
    template = os.environ.get("BENCH_DATABASE_URL")
    if template:
        return template.replace("{scale}", scale_label(entries))
    return f"sqlite:///{sqlite_dir}/pages-{scale_label(entries)}.db"


def run_scale(entries: int, url: str, args) -> dict:
    """Seed (or reuse) one database and time every page on it."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        LIST_COUNT_SECONDS = 20  # as in production: a long list's total is kept 20 s (crm/list_counts.py)
        REFDATA_CACHE_SECONDS = 60  # and the filter rows' choices 60 s (crm/refdata/choices.py)

    app = create_app(Config)
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py does once a worker has loaded the app (both revisions are measured so)
    logs = entries * LOGS_PER_ENTRY
    zone = ZoneInfo(app.config["TIMEZONE"])
    with app.app_context():
        dialect = db.engine.dialect.name
        today = local_date(utcnow())
        print(f"\n== {entries:,} entries, {logs:,} contact logs: {dialect} "
              f"({make_url(url).render_as_string(hide_password=True)})")  # fmt: skip
        seeded, seed_seconds, analyze_seconds = None, None, None
        if args.reuse and seeded_size() == entries:
            print(f"reusing the {entries:,} entries already there")
            before = schema_revision()
            db.session.commit()
            upgrade()  # a migration added since the seeding (an index) is applied to the rows kept
            if schema_revision() != before:
                started = time.perf_counter()
                seed_large.analyze()
                print(
                    f"migrated {before} → {schema_revision()}; ANALYZE {time.perf_counter() - started:.1f} s"
                )
        else:
            started = time.perf_counter()
            fresh_schema()
            print(f"schema from the migrations in {time.perf_counter() - started:.1f} s; seeding …")
            started = time.perf_counter()
            seeded = seed_large.seed(entries, logs, today)
            seed_seconds = time.perf_counter() - started
            started = time.perf_counter()
            seed_large.analyze()
            analyze_seconds = time.perf_counter() - started
            print(
                f"seeded {sum(seeded.values()):,} rows in {seed_seconds:.1f} s; ANALYZE {analyze_seconds:.1f} s"
            )
        targets = pick_targets(today.year)
        member_id = db.session.scalar(select(User.id).where(User.username == targets["member"]))
        logs_before = db.session.scalar(
            select(func.count()).select_from(ContactLog).where(ContactLog.entry_id == targets["log_target"])
        )
        version = database_version(dialect)
        engine = db.engine
        db.session.remove()
    print("targets: " + ", ".join(f"{k}={v}" for k, v in targets.items()))

    users = {"manager": seed_large.MANAGER, "head": seed_large.HEAD, "lead": targets["lead"],
             "member": targets["member"]}  # fmt: skip
    counter = Statements(engine)
    clients = {}
    for who, username in users.items():
        client = app.test_client()
        response = client.post("/auth/login", data={"username": username, "password": seed_large.PASSWORD})
        assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
        clients[who] = client

    rows, profile, posted = [], [], 0
    load_before = os.getloadavg()
    for page in PAGES:
        target = page.url.format(**targets)
        client = clients[page.who]
        if page.method == "POST":

            def send(client=client, target=target):
                return client.post(target, data=log_form(member_id, utcnow(), zone))
        else:

            def send(client=client, target=target, cold=page.label == "dashboard: cold worker"):
                if cold:
                    forget_rendered_tables()
                return client.get(target)

        saved = {key: app.config.get(key) for key in page.config}
        app.config.update(page.config)
        try:
            row, timed = measure(app, send, page, counter, args.warmup, args.runs)
        except Exception as error:  # a page that fails is reported, and the others still run
            print(f"  {page.label} ({page.who}): FAILED {error!r}")
            rows.append({"page": page.label, "user": page.who, "url": target, "error": repr(error)})
            continue
        finally:
            app.config.update(saved)
            if page.method == "POST":
                posted += args.warmup + args.runs + 1
        rows.append({"page": page.label, "user": page.who, "url": target, "paginated": page.paginated, **row})
        profile += [{"page": f"{page.label} ({page.who})", "ms": took, "sql": sql, "params": params}
                    for took, sql, params in timed]  # fmt: skip
        print(f"  {page.label} ({page.who}): median {row['median_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, "
              f"CPU {row['cpu_median_ms']:.1f} ms, {row['queries']} queries")  # fmt: skip
    load_after = os.getloadavg()

    with app.app_context():
        logs_after = db.session.scalar(
            select(func.count()).select_from(ContactLog).where(ContactLog.entry_id == targets["log_target"])
        )
        written = logs_after - logs_before
        print(f"contact logs written by the POSTs: {written} (posted {posted})")
        if written != posted:
            rows.append({"page": "log a visit (POST)", "user": "member", "error":
                         f"{posted} logs posted but {written} written"})  # fmt: skip
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

    return {
        "entries": entries,
        "logs": logs,
        "label": scale_label(entries),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "database": version,
        "rows": seeded,
        "seed_seconds": round(seed_seconds, 1) if seed_seconds is not None else None,
        "analyze_seconds": round(analyze_seconds, 1) if analyze_seconds is not None else None,
        "runs": args.runs,
        "warmup": args.warmup,
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in load_after],
        },
        "targets": targets,
        "logs_written": written,
        "pages": rows,
        "slowest_statements": statements_json(slowest),
    }


def baseline_url(template: str) -> str:
    """BENCH_DATABASE_URL with "_before" appended to its database name (before any ?query)."""
    base, sep, query = template.partition("?")
    return f"{base}_before{sep}{query}"


def run_baseline(args) -> dict:
    """This script run on the revision args.baseline (a worktree of it) with the same options; its results."""
    root = Path(tempfile.gettempdir()) / f"crm-bench-baseline-{args.baseline}"
    repo = Path(__file__).resolve().parent.parent
    if not root.exists():
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", str(root), args.baseline], check=True
        )
    for name in (
        "pages.py",
        "pages_report.py",
    ):  # the revision's code, measured the same way as this checkout's
        shutil.copy(repo / "bench" / name, root / "bench" / name)
    env = dict(os.environ)
    command = [sys.executable, str(root / "bench" / "pages.py"), f"--scales={args.scales}", f"--runs={args.runs}",
               f"--warmup={args.warmup}", f"--explain={args.explain}"]  # fmt: skip
    if args.reuse:
        command.append("--reuse")
    template = os.environ.get("BENCH_DATABASE_URL")
    if template:
        env["BENCH_DATABASE_URL"] = baseline_url(template)
    elif args.sqlite_dir and args.reuse:
        command.append(f"--sqlite-dir={args.sqlite_dir / 'before'}")
    out = root / "bench" / "results" / "pages-baseline.json"
    out.unlink(
        missing_ok=True
    )  # only what this run measures (the script keeps other scales found in the file)
    command.append(f"--output={out}")
    print(f"== baseline: {args.baseline} in {root}")
    subprocess.run(command, check=True, cwd=root, env=env)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales",
        default=os.environ.get("BENCH_SCALES", "1000,100000"),
        help="entries per scale, comma-separated (ten contact logs per entry)",
    )
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 20)))
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--explain", type=int, default=8, help="slowest statements to explain, per scale")
    parser.add_argument("--reuse", action="store_true", default=os.environ.get("BENCH_REUSE") == "1")
    parser.add_argument("--sqlite-dir", type=Path, help="where --reuse keeps the SQLite files")
    parser.add_argument("--output", type=Path, help="where to write the results (default bench/results/…)")
    parser.add_argument(
        "--baseline", metavar="REVISION", help="measure that git revision first, side by side"
    )
    args = parser.parse_args()
    scales = sorted({int(s) for s in args.scales.split(",") if s.strip()})

    template = os.environ.get("BENCH_DATABASE_URL")
    if template and len(scales) > 1 and "{scale}" not in template:
        print("BENCH_DATABASE_URL has no {scale}: the scales are seeded in turn in the same database")
    scratch = None
    if not template:
        if args.reuse:
            args.sqlite_dir = args.sqlite_dir or Path(tempfile.gettempdir()) / "crm-bench-pages"
            args.sqlite_dir.mkdir(parents=True, exist_ok=True)
        else:
            scratch = args.sqlite_dir = Path(tempfile.mkdtemp(prefix="crm-bench-pages-"))
    urls = {n: database_url(n, args.sqlite_dir) for n in scales}
    for url in urls.values():
        if make_url(url).database == "test":
            sys.exit(
                "refusing to use the database 'test': the test suite owns it (use e.g. crm_pages{scale})"
            )

    before = run_baseline(args) if args.baseline else None
    measured = []
    try:
        for entries in scales:
            measured.append(run_scale(entries, urls[entries], args))
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)

    dialect = make_url(next(iter(urls.values()))).get_backend_name()
    out = args.output or RESULTS / f"pages-{dialect}.json"
    kept = []
    if out.exists():  # keep the scales this run did not measure
        try:
            kept = [s for s in json.loads(out.read_text())["scales"] if s["entries"] not in scales]
        except (ValueError, KeyError):
            kept = []
    all_scales = sorted(kept + measured, key=lambda s: s["entries"])
    result = {
        "benchmark": "pages",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": measured[-1]["database"],
        "dialect": dialect,
        "machine": machine(),
        "runs": args.runs,
        "warmup": args.warmup,
        "scales": all_scales,
        "ratios": ratios(all_scales),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    print_table(result)
    if before is not None:
        print_comparison(before, result, args.baseline)
    print(f"\nresults and the slowest statements with their plans: {out}")
    for scale in measured:
        print(f"slowest statements at {scale['label']}:")
        for s in scale["slowest_statements"]:
            flat = " ".join(s["sql"].split())
            print(f"  {s['ms']:8.1f} ms  [{s['page']}]  {flat[:140]}{'…' if len(flat) > 140 else ''}")


if __name__ == "__main__":
    main()
