"""The projects migration (209735a7cf45) on the 100,000-entry benchmark database: up, checked, down, checked, up.

The database is built at the revision before projects (8a1b3d744171) and seeded as that revision kept a campaign
(bench/seed_large.py writes the entries' signing fields and their 到位资金 by entry when there is no projects
table), then:

1. before: the signed-or-funded entries (signed, or with an arrival), the sum of their contract amounts, the
   arrivals' count and sums, and a digest of every entry's and arrival's row;
2. upgrade to 209735a7cf45, asserting one project per signed-or-funded entry (carrying its signing, amount,
   evidence and dates), the same contract sum, every arrival on its entry's project and in a verified return of
   the project's county for the arrival's month, one return per county and month, the same 到位资金 in total;
3. downgrade to 8a1b3d744171, asserting the entries and arrivals are exactly as before (the digests);
4. upgrade again (the round trip repeats), with the same checks as in 2.

ANALYZE runs after each upgrade, before the checks: SQLite never gathers statistics by itself, and with none for
the new tables its planner joins projects to entries through ix_projects_region_id (8,000 projects per county)
and one check's join ran for minutes. PostgreSQL's autovacuum analyzes new tables within a minute. Each step is
timed. SQLite by default (a temporary file, or --sqlite PATH), PostgreSQL with BENCH_DATABASE_URL
(every table in it is dropped first):

    .venv/bin/python bench/migrate_check.py
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_migrate .venv/bin/python bench/migrate_check.py
    .venv/bin/python bench/migrate_check.py --projects 0    # the campaign as the benchmark seeded it before projects

--projects sets the seed's shape (default 1.5 per entry: about 80 % of the entries signed, so the migration makes
some 80,000 projects; 0: 12 % signed, 20,000 arrivals). Writes bench/results/migrate-<dialect>.json and exits
non-zero when a check fails."""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import downgrade, upgrade  # noqa: E402
from sqlalchemy import inspect, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import seed_large  # noqa: E402
from bench.dashboard import database_version, machine  # noqa: E402
from config import TestConfig  # noqa: E402
from crm import create_app  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.refdata.seed import seed_reference  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402

PREVIOUS = "8a1b3d744171"
PROJECTS = "209735a7cf45"
RESULTS = Path(__file__).resolve().parent / "results"
SIGNED_OR_FUNDED = """
    FROM whitelist_entries w
    WHERE w.signed_on IS NOT NULL OR EXISTS (SELECT 1 FROM fund_arrivals f WHERE f.entry_id = w.id)"""
ENTRY_COLUMNS = ("id, enterprise_id, region_id, state, signed_on, contract_amount, landed_uscc, landed_on, "
                 "started_on, producing_on, planned_investment, version")  # fmt: skip
ARRIVAL_COLUMNS = "id, entry_id, arrived_on, fixed_amount, other_amount, note, created_by_id, created_at"


def one(sql: str):
    return db.session.execute(text(sql)).one()


def scalar(sql: str):
    return db.session.scalar(text(sql))


def digest(table: str, columns: str) -> str:
    """A digest of every row's `columns`, in id order (what must survive the round trip unchanged)."""
    h = hashlib.sha256()
    for row in db.session.execute(text(f"SELECT {columns} FROM {table} ORDER BY id")):
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def snapshot() -> dict:
    signed, contract = one(f"SELECT count(*), coalesce(sum(w.contract_amount), 0) {SIGNED_OR_FUNDED}")
    arrivals, fixed, other = one(
        "SELECT count(*), coalesce(sum(fixed_amount), 0), coalesce(sum(other_amount), 0) FROM fund_arrivals"
    )
    return {
        "entries": scalar("SELECT count(*) FROM whitelist_entries"),
        "signed_or_funded": signed,
        "contract_sum": int(contract),
        "arrivals": arrivals,
        "arrivals_fixed": int(fixed),
        "arrivals_other": int(other),
        "entries_digest": digest("whitelist_entries", ENTRY_COLUMNS),
        "arrivals_digest": digest("fund_arrivals", ARRIVAL_COLUMNS),
    }


def check_upgraded(before: dict) -> list[str]:
    """What the migration must have done; returns the failures in words."""
    month = ("CAST(date_trunc('month', f.arrived_on) AS DATE)" if db.engine.dialect.name == "postgresql"
             else "date(f.arrived_on, 'start of month')")  # fmt: skip
    checks = {
        "projects == signed-or-funded entries": (scalar("SELECT count(*) FROM projects"), before["signed_or_funded"]),
        "one project per signed-or-funded entry": (
            scalar(f"SELECT count(*) {SIGNED_OR_FUNDED} AND (SELECT count(*) FROM projects p WHERE p.entry_id = w.id) = 1"),
            before["signed_or_funded"],
        ),
        "contract sum": (int(scalar("SELECT coalesce(sum(contract_amount), 0) FROM projects")), before["contract_sum"]),
        "projects carrying their entry's signing and evidence": (
            scalar("""SELECT count(*) FROM projects p JOIN whitelist_entries w ON w.id = p.entry_id
                      WHERE p.region_id = w.region_id AND p.agreement = 'contract'
                        AND (w.signed_on IS NULL OR p.signed_on = w.signed_on)
                        AND coalesce(p.contract_amount, -1) = coalesce(w.contract_amount, -1)
                        AND coalesce(p.landed_uscc, '') = coalesce(w.landed_uscc, '')
                        AND coalesce(p.landed_on, p.signed_on) = coalesce(w.landed_on, p.signed_on)
                        AND coalesce(p.started_on, p.signed_on) = coalesce(w.started_on, p.signed_on)
                        AND coalesce(p.producing_on, p.signed_on) = coalesce(w.producing_on, p.signed_on)"""),
            before["signed_or_funded"],
        ),
        "arrivals": (scalar("SELECT count(*) FROM fund_arrivals"), before["arrivals"]),
        "arrivals on their entry's project": (
            scalar("""SELECT count(*) FROM fund_arrivals f JOIN projects p ON p.id = f.project_id
                      WHERE p.entry_id = f.entry_id"""),
            before["arrivals"],
        ),
        "arrivals in a verified return of the project's county and month": (
            scalar(f"""SELECT count(*) FROM fund_arrivals f JOIN projects p ON p.id = f.project_id
                       JOIN fund_returns r ON r.id = f.return_id
                       WHERE r.status = 'verified' AND r.seq = 0 AND r.region_id = p.region_id
                         AND r.month = {month}"""),
            before["arrivals"],
        ),
        "one return per county and month": (
            scalar("SELECT count(*) FROM fund_returns"),
            scalar(f"""SELECT count(*) FROM (SELECT DISTINCT p.region_id, {month} AS m FROM fund_arrivals f
                       JOIN projects p ON p.id = f.project_id) x"""),
        ),
        "verified 到位资金 == all 到位资金 before": (
            int(scalar("""SELECT coalesce(sum(f.fixed_amount + f.other_amount), 0) FROM fund_arrivals f
                          JOIN fund_returns r ON r.id = f.return_id WHERE r.status = 'verified'""")),
            before["arrivals_fixed"] + before["arrivals_other"],
        ),
        "entries unchanged": (digest("whitelist_entries", ENTRY_COLUMNS), before["entries_digest"]),
        "arrivals' own columns unchanged": (digest("fund_arrivals", ARRIVAL_COLUMNS), before["arrivals_digest"]),
    }  # fmt: skip
    return [f"{name}: {got!r} != {want!r}" for name, (got, want) in checks.items() if got != want]


def check_downgraded(before: dict) -> list[str]:
    after = snapshot()
    failures = [f"{k}: {after[k]!r} != {before[k]!r}" for k in before if after[k] != before[k]]
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        arrival_columns = {c["name"] for c in inspect(conn).get_columns("fund_arrivals")}
    if tables & {"projects", "fund_returns", "fund_plans"}:
        failures.append(f"tables left behind: {sorted(tables & {'projects', 'fund_returns', 'fund_plans'})}")
    if {"project_id", "return_id"} & arrival_columns:
        failures.append("fund_arrivals still has the projects' columns")
    return failures


def analyze_afresh() -> None:
    """ANALYZE, then new connections: a SQLite connection opened before keeps the statistics it read (the second
    round's checks ran for minutes on the session's old connection)."""
    seed_large.analyze()
    db.session.remove()
    db.engine.dispose()


def revision() -> str:
    return scalar("SELECT version_num FROM alembic_version")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=int(os.environ.get("BENCH_ENTRIES", 100_000)))
    parser.add_argument("--logs", type=int, default=int(os.environ.get("BENCH_LOGS", 1_000_000)))
    parser.add_argument("--projects", type=int, default=None, help="the seed's shape (default 1.5 per entry)")
    parser.add_argument("--sqlite", type=Path, help="a SQLite file (instead of a temporary one)")
    parser.add_argument("--output", type=Path, help="where to write the results (default bench/results/…)")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    if args.sqlite:
        url = f"sqlite:///{args.sqlite.resolve()}"
    scratch = None
    if not url:
        scratch = tempfile.mkdtemp(prefix="crm-migrate-")
        url = f"sqlite:///{scratch}/migrate.db"
    if make_url(url).database == "test":
        sys.exit("refusing to use the database 'test': the test suite owns it (use e.g. bench_migrate)")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    steps: dict[str, float] = {}
    failures: dict[str, list[str]] = {}

    def timed(name: str, action) -> None:
        started = time.perf_counter()
        action()
        steps[name] = round(time.perf_counter() - started, 2)
        print(f"{name}: {steps[name]:.1f} s")

    with app.app_context():
        dialect = db.engine.dialect.name
        print(f"database: {dialect} ({make_url(url).render_as_string(hide_password=True)})")
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        timed(f"schema at {PREVIOUS}", lambda: upgrade(revision=PREVIOUS))
        seed_reference()
        today = local_date(utcnow())
        seeded: dict = {}
        timed(
            "seed",
            lambda: seeded.update(seed_large.seed(args.entries, args.logs, today, projects=args.projects)),
        )
        timed("analyze", seed_large.analyze)
        before = snapshot()
        print("before: " + ", ".join(f"{k} {v}" for k, v in before.items() if "digest" not in k))
        db.session.commit()
        timed(f"upgrade {PREVIOUS} → {PROJECTS}", lambda: upgrade(revision=PROJECTS))
        assert revision() == PROJECTS
        timed("analyze after the upgrade", analyze_afresh)
        failures["upgrade"] = check_upgraded(before)
        migrated = {"projects": scalar("SELECT count(*) FROM projects"),
                    "fund_returns": scalar("SELECT count(*) FROM fund_returns")}  # fmt: skip
        db.session.commit()
        timed(f"downgrade {PROJECTS} → {PREVIOUS}", lambda: downgrade(revision=PREVIOUS))
        assert revision() == PREVIOUS
        failures["downgrade"] = check_downgraded(before)
        db.session.commit()
        timed(f"upgrade again {PREVIOUS} → {PROJECTS}", lambda: upgrade(revision=PROJECTS))
        timed("analyze after the upgrade again", analyze_afresh)
        failures["upgrade again"] = check_upgraded(before)
        version = database_version(dialect)
        db.session.remove()

    ok = not any(failures.values())
    result = {
        "benchmark": "migrate",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": version,
        "dialect": dialect,
        "machine": machine(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "scale": {
            "entries": args.entries,
            "logs": args.logs,
            "projects_shape": args.projects,
            "rows": seeded,
        },
        "before": {k: v for k, v in before.items() if "digest" not in k},
        "migrated": migrated,
        "seconds": steps,
        "failures": failures,
        "ok": ok,
    }
    suffix = "" if args.projects is None else f"-projects{args.projects}"
    out = args.output or RESULTS / f"migrate-{dialect}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"\n{version}: {before['entries']:,} entries, {before['signed_or_funded']:,} signed or funded, "
          f"{before['arrivals']:,} arrivals → {migrated['projects']:,} projects, {migrated['fund_returns']:,} returns")  # fmt: skip
    for name, seconds in steps.items():
        print(f"  {name:<40} {seconds:8.1f} s")
    for step, problems in failures.items():
        print(f"  {step}: {'ok' if not problems else 'FAILED'}")
        for problem in problems:
            print(f"    {problem}")
    print(f"results: {out}")
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
