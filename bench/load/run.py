"""Load test (issue 8): gunicorn on PostgreSQL under 50 locust users mixing the three journeys, the framework
floor beside it, and a PostgreSQL restart under load.

    .venv/bin/python bench/load/run.py                  # 5 minutes, 50 users, then the floor: bench/results/load.json
    .venv/bin/python bench/load/run.py --restart-db     # 2 minutes, PostgreSQL stopped for 10 s at 60 s:
                                                        # bench/results/load-restart.json
    make load                                           # the first one

Everything runs on this machine, on loopback. The database is a PostgreSQL cluster of its own, 15/load on port
5433 (created with pg_createcluster when missing, trust for 127.0.0.1, started, and stopped again at the end), so
that restarting it disturbs nobody: the cluster on 5432 is never touched. Its database crm_load is rebuilt from the
migrations and seeded with bench/seed_large.py (100,000 entries and 1,000,000 contact logs by default; --entries
and --logs change that, --reuse keeps a database already seeded at that size) plus five load_manager accounts.
The app is served by gunicorn (-w 4 -k gthread --threads 4 by default, CRM_CONFIG=prod with SESSION_COOKIE_SECURE=0
as loopback is plain HTTP) and loaded by locust (bench/load/locustfile.py) from its own virtualenv, .venv-load,
created from bench/load/requirements.txt when missing: locust must not change the app's pinned packages.

The figures come from a trace of every request that the locustfile writes (exact percentiles, errors per time
window), not from locust's rounded histograms. The load average and the CPU used by gunicorn, PostgreSQL, locust
and everything else on the machine are sampled during the runs, since the machine (2 cores) is shared.
"""

import argparse
import contextlib
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HERE = ROOT / "bench" / "load"
RESULTS = ROOT / "bench" / "results"
VENV_LOAD = ROOT / ".venv-load"
REQUIREMENTS = HERE / "requirements.txt"
PG_VERSION, CLUSTER, PG_PORT, DATABASE = "15", "load", 5433, "crm_load"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/{DATABASE}"
APP_PORT, FLOOR_PORT = 8765, 8766
APP_TARGET = "wsgi:app"  # the production entry point, as deployed
MANAGERS = [f"load_manager{i}" for i in range(1, 9)]
HBA_LINE = "host all all 127.0.0.1/32 trust"
# Pages whose size says what a "typical page" is: the HTML pages, not the workbooks, the forms' POSTs or logins.
NOT_PAGES = ("POST", "export", "login")

if PG_PORT == 5432 or CLUSTER == "main":  # the shared cluster is never restarted or reconfigured
    raise SystemExit("refusing to use the main PostgreSQL cluster")


def say(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def sh(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, text=True, capture_output=True, **kwargs)


# -- the locust virtualenv ---------------------------------------------------------------------------------------


def ensure_load_venv() -> Path:
    """.venv-load with the pinned locust; rebuilt when requirements.txt changes."""
    stamp = VENV_LOAD / (".installed-" + sh("cksum", str(REQUIREMENTS)).stdout.split()[0])
    locust = VENV_LOAD / "bin" / "locust"
    if locust.exists() and stamp.exists():
        return locust
    say(f"installing locust into {VENV_LOAD.name} (bench/load/requirements.txt)")
    if not (VENV_LOAD / "bin" / "python").exists():
        sh("python3", "-m", "venv", str(VENV_LOAD))
    subprocess.run([str(VENV_LOAD / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)],
                   check=True)  # fmt: skip
    for old in VENV_LOAD.glob(".installed-*"):
        old.unlink()
    stamp.touch()
    return locust


# -- the PostgreSQL cluster of its own ---------------------------------------------------------------------------


def cluster_status() -> str | None:
    """'online' / 'down' for 15/load, None when it does not exist; refuses a 15/load on another port."""
    for line in sh("pg_lsclusters", "-h").stdout.splitlines():
        version, name, port, status, *_ = line.split()
        if (version, name) == (PG_VERSION, CLUSTER):
            if int(port) != PG_PORT:
                raise SystemExit(f"cluster {PG_VERSION}/{CLUSTER} listens on {port}, expected {PG_PORT}")
            return status
    return None


def ensure_cluster() -> None:
    if cluster_status() is None:
        say(f"creating the PostgreSQL cluster {PG_VERSION}/{CLUSTER} on port {PG_PORT}")
        sh("pg_createcluster", PG_VERSION, CLUSTER, "--port", str(PG_PORT))
    hba = Path(f"/etc/postgresql/{PG_VERSION}/{CLUSTER}/pg_hba.conf")
    if HBA_LINE not in hba.read_text():
        hba.write_text(HBA_LINE + "\n" + hba.read_text())
        if cluster_status() == "online":
            sh("pg_ctlcluster", PG_VERSION, CLUSTER, "reload")
    if cluster_status() != "online":
        say(f"starting {PG_VERSION}/{CLUSTER}")
        sh("pg_ctlcluster", PG_VERSION, CLUSTER, "start")
    wait_for_postgres(60)


def wait_for_postgres(limit: float) -> float:
    """Seconds until the cluster accepts connections."""
    started = time.monotonic()
    while sh("pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PG_PORT), check=False).returncode != 0:
        if time.monotonic() - started > limit:
            raise SystemExit(f"PostgreSQL on {PG_PORT} did not come up in {limit:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - started


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(
        f"host=127.0.0.1 port={PG_PORT} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


# -- the data ----------------------------------------------------------------------------------------------------


def make_app():
    from config import Config
    from crm import create_app

    class LoadConfig(Config):  # production hashing (scrypt), so that logging in costs what it costs
        SQLALCHEMY_DATABASE_URI = DATABASE_URL

    return create_app(LoadConfig)


def prepare(app, entries: int, logs: int, reuse: bool) -> dict:
    """Schema, reference data, the campaign and the load managers; returns what was done and how long it took."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text
    from werkzeug.security import generate_password_hash

    from bench import seed_large
    from crm.auth.models import User
    from crm.extensions import db
    from crm.refdata.seed import seed_reference
    from crm.types import local_date, utcnow
    from crm.whitelist.models import WhitelistEntry

    with app.app_context():
        seeded = None
        with contextlib.suppress(Exception):
            seeded = db.session.scalar(select(func.count()).select_from(WhitelistEntry))
        db.session.rollback()
        if reuse and seeded is not None and seeded >= entries:
            say(f"reusing crm_load ({seeded:,} entries); applying any migration added since it was seeded")
            upgrade()  # an index added since (the code measured expects it)
            return {"reused": True, "entries": seeded}
        say(f"rebuilding crm_load: migrations, reference data, {entries:,} entries and {logs:,} contact logs")
        started = time.perf_counter()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        seed_reference()
        rows = seed_large.seed(entries, logs, local_date(utcnow()), progress=lambda m: None)
        password_hash = generate_password_hash(seed_large.PASSWORD)  # scrypt, as for every seeded user
        for username in MANAGERS:
            db.session.add(User(username=username, full_name=f"压测局领导{username[-1]}", role="manager",
                                password_hash=password_hash, email=f"{username}@bench.example.cn"))  # fmt: skip
        db.session.commit()
        seed_seconds = time.perf_counter() - started
        started = time.perf_counter()
        seed_large.analyze()
        say(
            f"seeded {sum(rows.values()):,} rows in {seed_seconds:.0f} s, VACUUM ANALYZE {time.perf_counter() - started:.0f} s"
        )
        return {"reused": False, "rows": rows, "seed_seconds": round(seed_seconds, 1),
                "analyze_seconds": round(time.perf_counter() - started, 1)}  # fmt: skip


def accounts(app, users: int, weights: dict[str, int]) -> dict:
    """Enough accounts of each role for `users` simulated users, each its own person: members with open tasks
    (from different teams), leads of county teams (from different counties first), the load managers."""
    from sqlalchemy import func, select

    from bench import seed_large
    from crm.auth.models import User
    from crm.extensions import db
    from crm.plans.models import OPEN, Task
    from crm.teams.models import Team, TeamMember
    from crm.vocab import WORKING_STATES
    from crm.whitelist.models import WhitelistEntry

    total = sum(weights.values())
    need = {role: math.ceil(users * w / total) + 2 for role, w in weights.items()}
    rng = random.Random(2026)
    with app.app_context():
        open_tasks = (
            select(Task.owner_id, func.count().label("n"))
            .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
            .where(Task.status == OPEN, WhitelistEntry.state.in_(WORKING_STATES))
            .group_by(Task.owner_id)
            .subquery()
        )
        rows = db.session.execute(
            select(User.username, TeamMember.team_id)
            .join(open_tasks, open_tasks.c.owner_id == User.id)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(User.role == "member", open_tasks.c.n >= 2)
            .order_by(User.id)
        ).all()
        by_team: dict[int, list[str]] = {}
        for username, team_id in rows:
            by_team.setdefault(team_id, []).append(username)
        team_ids = sorted(by_team)
        rng.shuffle(team_ids)
        members = [by_team[t][0] for t in team_ids][: need["member"]]
        leads = db.session.execute(
            select(User.username, Team.id, Team.region_id).join(Team, Team.leader_id == User.id)
            .where(User.role == "lead", Team.region_id.is_not(None)).order_by(Team.id)
        ).all()  # fmt: skip
        rng.shuffle(leads)
        first_per_region, rest, seen = [], [], set()
        for lead in leads:
            (rest if lead.region_id in seen else first_per_region).append(lead)
            seen.add(lead.region_id)
        chosen_leads = (first_per_region + rest)[: need["lead"]]
        managers = db.session.scalars(select(User.username).where(User.username.in_(MANAGERS))).all()
    result = {
        "password": seed_large.PASSWORD,
        "member": [{"username": u} for u in members],
        "lead": [{"username": u, "team_id": t} for u, t, _r in chosen_leads],
        "manager": [{"username": u} for u in sorted(managers)][: need["manager"]],
    }
    for role in weights:
        if len(result[role]) < math.ceil(users * weights[role] / total):
            raise SystemExit(f"not enough {role} accounts for {users} users: {len(result[role])}")
    return result


# Issue 16's throughput target: TARGET_FACTOR × the requests/s recorded at BEFORE (the revision before it).
BEFORE = "84052e3"
TARGET_FACTOR = 3

# -- processes ---------------------------------------------------------------------------------------------------


def start_gunicorn(
    target: str, port: int, env: dict, log: Path, args, chdir: Path = ROOT
) -> subprocess.Popen:
    threads = 1 if args.worker_class == "sync" else args.threads  # sync with threads > 1 would be gthread
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(args.workers), "-k", args.worker_class, "--threads",
               str(threads), "--timeout", "180", "--keep-alive", str(args.keep_alive), "-b", f"127.0.0.1:{port}", "--chdir", str(chdir),
               "--error-logfile", str(log), "-c", str(ROOT / "gunicorn.conf.py"), target]  # fmt: skip
    # The app logs (one JSON line per request in production, errors) go to stderr: kept beside gunicorn's log.
    with open(log.with_suffix(".stderr"), "w") as stderr:
        proc = subprocess.Popen(
            command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=stderr
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {log}")
        with contextlib.suppress(OSError):
            path = "/auth/login" if target == APP_TARGET else "/"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
                if resp.status == 200:
                    return proc
        time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"gunicorn did not answer on {port}; see {log}")


def stop(proc: subprocess.Popen | None) -> None:
    """End a process we started, and its children, by its process group (never by name)."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def children(pid: int) -> list[int]:
    """pid and all its descendants, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += parents.get(current, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def postmaster_pid() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path(f"/var/lib/postgresql/{PG_VERSION}/{CLUSTER}/postmaster.pid").read_text().split()[0])
    return None


class Sampler(threading.Thread):
    """Every few seconds: the load average, and CPU used by our gunicorn, our PostgreSQL cluster, locust and the
    rest of the machine (other people's work on the shared cores)."""

    def __init__(self, groups: dict[str, callable], every: float = 5.0):
        super().__init__(daemon=True)
        self.groups, self.every = groups, every
        self.samples: list[dict] = []
        self.halt = threading.Event()

    def snapshot(self) -> dict:
        busy, total = machine_busy()
        cpu = {}
        for name, pids in self.groups.items():
            with contextlib.suppress(Exception):
                cpu[name] = cpu_seconds(pids())
        return {"t": time.time(), "load": os.getloadavg(), "busy": busy, "total": total, "cpu": cpu}

    def run(self) -> None:
        self.samples.append(self.snapshot())
        while not self.halt.wait(self.every):
            self.samples.append(self.snapshot())

    def finish(self) -> dict:
        self.halt.set()
        self.join()
        self.samples.append(self.snapshot())
        first, last = self.samples[0], self.samples[-1]
        wall = last["t"] - first["t"]
        cores = os.cpu_count() or 1
        busy = (last["busy"] - first["busy"]) / ((last["total"] - first["total"]) / cores)
        ours = {}
        for name in last["cpu"]:
            # A group's processes change (a PostgreSQL backend ends, a worker restarts): sum the positive steps.
            steps = [
                b["cpu"].get(name, 0) - a["cpu"].get(name, 0) for a, b in itertools_pairwise(self.samples)
            ]
            ours[name] = round(sum(s for s in steps if s > 0) / wall, 2)
        loads = [s["load"][0] for s in self.samples]
        return {
            "seconds": round(wall, 1),
            "cores": cores,
            "machine_busy_cores": round(busy, 2),
            "cores_used_by": {**ours, "everything else": round(max(busy - sum(ours.values()), 0), 2)},
            "load_average_1min": {
                "min": min(loads),
                "median": round(statistics.median(loads), 2),
                "max": max(loads),
            },
        }


def itertools_pairwise(items):
    return zip(items, items[1:], strict=False)


def run_locust(locust: Path, classes: list[str], args, host: str, duration: str, trace: Path, workdir: Path,
               accounts_file: Path | None, tag: str) -> int:  # fmt: skip
    env = {**os.environ, "LOAD_TRACE": str(trace), "LOAD_WAIT": args.wait}
    if accounts_file:
        env["LOAD_ACCOUNTS"] = str(accounts_file)
    command = [str(locust), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(args.users), "-r",
               str(args.spawn_rate), "-t", duration, "--host", host, "--csv", str(workdir / tag), "--only-summary",
               "--stop-timeout", "30", "--exit-code-on-error", "0", *classes]  # fmt: skip
    with open(workdir / f"{tag}-locust.log", "w") as log:
        proc = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            return proc.wait()
        finally:
            stop(proc)


# -- figures -----------------------------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)] if ordered else 0.0


def read_trace(trace: Path) -> list[dict]:
    if not trace.exists():
        return []
    return [json.loads(line) for line in trace.read_text().splitlines() if line.strip()]


def summarise(rows: list[dict], seconds: float) -> dict:
    """Per request name and overall: count, failures, requests/s, median/p95/p99/max ms, mean bytes."""

    def figures(group: list[dict]) -> dict:
        times = [r["ms"] for r in group]
        failures = [r for r in group if not r["ok"]]
        return {
            "requests": len(group),
            "failures": len(failures),
            "rps": round(len(group) / seconds, 2) if seconds else None,
            "median_ms": round(statistics.median(times), 1) if times else None,
            "p95_ms": round(percentile(times, 95), 1),
            "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(max(times), 1) if times else None,
            "mean_bytes": round(statistics.mean(r["bytes"] for r in group)) if group else None,
            "statuses": dict(sorted(_count(str(r["status"]) for r in group).items())),
            "errors": dict(_count((r["error"] or "")[:120] for r in failures).most_common(5)),
        }

    real = [r for r in rows if r["type"] != "RULE"]
    names = sorted({r["name"] for r in real})
    refused = _count(f"{r['name']}: {r.get('message') or ''}".strip() for r in rows if r["type"] == "RULE")
    return {
        "overall": figures(real),
        "per_request": {name: figures([r for r in real if r["name"] == name]) for name in names},
        "refused_by_a_rule": dict(refused.most_common()),
    }


def _count(items):
    from collections import Counter

    return Counter(items)


def typical_page_bytes(rows: list[dict]) -> int:
    """The median size of the HTML pages the users got (no workbooks, no POSTs, no login)."""
    sizes = [r["bytes"] for r in rows if r["ok"] and r["type"] == "GET" and r["status"] == 200
             and not any(word in r["name"] for word in NOT_PAGES)]  # fmt: skip
    return int(statistics.median(sizes)) if sizes else 40_000


def settings(args, users_env: dict) -> dict:
    return {
        "gunicorn": f"-c gunicorn.conf.py (gc.freeze after load) -w {args.workers} -k {args.worker_class} --threads {1 if args.worker_class == 'sync' else args.threads} --timeout 180",
        "locust": f"-u {args.users} -r {args.spawn_rate}, FastHttpUser, wait between steps {args.wait} s",
        "users": users_env,
        "database": f"PostgreSQL {PG_VERSION} cluster {CLUSTER} on 127.0.0.1:{PG_PORT}, database {DATABASE}",
        "app": "CRM_CONFIG=prod, SESSION_COOKIE_SECURE=0, crm.pgconn (a ping after a second idle), scrypt password hashes",
    }


def code_version() -> dict:
    """The commit measured and the files that differed from it (read-only git)."""
    head = sh("git", "rev-parse", "--short", "HEAD", check=False, cwd=ROOT).stdout.strip()
    changed = sh("git", "status", "--short", check=False, cwd=ROOT).stdout.splitlines()
    return {"commit": head, "uncommitted": [line[3:] for line in changed if not line.startswith("??")]}


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))  # fmt: skip
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


# -- integrity after a restart -----------------------------------------------------------------------------------

BASELINE_TABLES = ("contact_logs", "events", "assignments", "tasks", "inbox_items", "notifications")

CHECKS = {
    "contact logs without their contact_log event": """
        SELECT count(*) FROM contact_logs l WHERE l.id > :contact_logs AND NOT EXISTS (
          SELECT 1 FROM events e WHERE e.action = 'contact_log' AND e.entry_id = l.entry_id AND e.at = l.created_at)""",
    "contact_log events without their contact log": """
        SELECT count(*) FROM events e WHERE e.id > :events AND e.action = 'contact_log' AND NOT EXISTS (
          SELECT 1 FROM contact_logs l WHERE l.entry_id = e.entry_id AND l.created_at = e.at)""",
    "contact logs without a participant (the author is always one)": """
        SELECT count(*) FROM contact_logs l WHERE l.id > :contact_logs AND NOT EXISTS (
          SELECT 1 FROM contact_log_participants p WHERE p.log_id = l.id)""",
    "contact logs whose entry is missing": """
        SELECT count(*) FROM contact_logs l LEFT JOIN whitelist_entries w ON w.id = l.entry_id WHERE w.id IS NULL""",
    "plan steps completed during the run without the log that completed them": """
        SELECT count(*) FROM tasks t WHERE t.status = 'done' AND t.completed_at >= :since
          AND t.completed_at <= :until
          AND (t.log_id IS NULL OR NOT EXISTS (SELECT 1 FROM contact_logs l WHERE l.id = t.log_id))""",
    "follow-up tasks created during the run without their log": """
        SELECT count(*) FROM tasks t WHERE t.id > :tasks AND t.kind = 'followup'
          AND (t.log_id IS NULL OR NOT EXISTS (SELECT 1 FROM contact_logs l WHERE l.id = t.log_id))""",
    "assignments without their assign/reassign event": """
        SELECT count(*) FROM assignments a WHERE a.id > :assignments AND NOT EXISTS (
          SELECT 1 FROM events e WHERE e.action IN ('assign', 'reassign') AND e.entry_id = a.entry_id AND e.at = a.at)""",
    "assign/reassign events without their assignment": """
        SELECT count(*) FROM events e WHERE e.id > :events AND e.action IN ('assign', 'reassign') AND NOT EXISTS (
          SELECT 1 FROM assignments a WHERE a.entry_id = e.entry_id AND a.at = e.at)""",
    "assignments without their inbox messages": """
        SELECT count(*) FROM assignments a WHERE a.id > :assignments AND NOT EXISTS (
          SELECT 1 FROM inbox_items i WHERE i.entry_id = a.entry_id AND i.created_at = a.at
            AND i.kind IN ('assign', 'reassign'))""",
    "assignments without their queued email notifications": """
        SELECT count(*) FROM assignments a WHERE a.id > :assignments AND NOT EXISTS (
          SELECT 1 FROM notifications n WHERE n.dedupe_key LIKE
            (CASE WHEN a.from_team_id IS NULL THEN 'assign:' ELSE 'reassign:' END) || a.id || ':%')""",
    "assigned entries with no plan steps": """
        SELECT count(*) FROM assignments a WHERE a.id > :assignments AND a.from_team_id IS NULL AND NOT EXISTS (
          SELECT 1 FROM tasks t WHERE t.entry_id = a.entry_id AND t.kind = 'step')""",
    "entries whose team/owner disagree with their latest assignment": """
        SELECT count(*) FROM whitelist_entries w JOIN LATERAL (
          SELECT to_team_id, to_owner_id FROM assignments a WHERE a.entry_id = w.id ORDER BY a.id DESC LIMIT 1) last
          ON true WHERE w.team_id IS DISTINCT FROM last.to_team_id OR w.owner_id IS DISTINCT FROM last.to_owner_id""",
    "entries whose state disagrees with their latest state-change event": """
        SELECT count(*) FROM whitelist_entries w JOIN LATERAL (
          SELECT to_state FROM events e WHERE e.entry_id = w.id AND e.to_state IS NOT NULL ORDER BY e.id DESC LIMIT 1)
          last ON true WHERE w.state <> last.to_state""",
    "inbox messages delivered twice (same user, entry, kind and moment)": """
        SELECT count(*) FROM (SELECT 1 FROM inbox_items WHERE id > :inbox_items
          GROUP BY user_id, entry_id, kind, created_at HAVING count(*) > 1) d""",
    "notifications queued twice (same dedupe key)": """
        SELECT count(*) FROM (SELECT 1 FROM notifications GROUP BY dedupe_key HAVING count(*) > 1) d""",
    "notifications delivered to an inbox twice": """
        SELECT count(*) FROM (SELECT 1 FROM inbox_items WHERE notification_id IS NOT NULL
          GROUP BY notification_id HAVING count(*) > 1) d""",
}


def baseline(app) -> dict:
    from sqlalchemy import text

    from crm.extensions import db

    with app.app_context():
        ids = {t: db.session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {t}")) for t in BASELINE_TABLES}
        db.session.rollback()
    return ids


def integrity(app, base: dict, since: datetime) -> dict:
    from sqlalchemy import text

    from crm.extensions import db

    with app.app_context():
        db.engine.dispose()  # the seeding process's connections died with the restart
        # until: the seed dates some steps done later today (China time), which is after the run in UTC
        bounds = {"since": since, "until": datetime.now(UTC)}
        found = {name: db.session.scalar(text(sql), {**base, **bounds}) for name, sql in CHECKS.items()}
        written = {t: db.session.scalar(text(f"SELECT count(*) FROM {t} WHERE id > :b"), {"b": base[t]})
                   for t in BASELINE_TABLES}  # fmt: skip
        db.session.rollback()
    return {"problems": found, "all_clean": not any(found.values()), "rows_written_during_the_run": written}


# -- the scenarios -----------------------------------------------------------------------------------------------


def app_env(workdir: Path) -> dict:
    return {**os.environ, "CRM_CONFIG": "prod", "DATABASE_URL": DATABASE_URL, "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "0", "UPLOAD_FOLDER": str(workdir / "uploads"), "FLASK_APP": "wsgi.py"}  # fmt: skip


def worker_pids(proc: subprocess.Popen) -> list[int]:
    return sorted(p for p in children(proc.pid) if p != proc.pid)


def gunicorn_log_findings(log: Path) -> dict:
    """What gunicorn's log (worker timeouts, requests it answered with its own 500) and the app's own log say."""
    text = log.read_text(errors="replace") if log.exists() else ""
    app_log = log.with_suffix(".stderr")
    app_text = app_log.read_text(errors="replace") if app_log.exists() else ""
    return {
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "workers_booted": text.count("Booting worker"),
        "requests_gunicorn_answered_500": text.count("Error handling request"),
        "tracebacks": text.count("Traceback (most recent call last)")
        + app_text.count("Traceback (most recent call"),
        "app_log_database_unavailable": app_text.count("database unavailable"),
        "app_log_connection_lost_on_close": app_text.count("connection lost while closing the session"),
    }


def load_run(args, locust: Path, app, workdir: Path, users_env: dict, accounts_file: Path) -> dict:
    log = workdir / "gunicorn-app.log"
    trace = workdir / "app-trace.jsonl"
    gunicorn = start_gunicorn(APP_TARGET, APP_PORT, app_env(workdir), log, args)
    try:
        load_before = os.getloadavg()
        sampler = Sampler(sampler_groups(gunicorn))
        sampler.start()
        say(f"locust: {args.users} users for {args.duration} against the app")
        started = time.time()
        run_locust(locust, ["MemberUser", "LeadUser", "ManagerUser"], args, f"http://127.0.0.1:{APP_PORT}",
                   args.duration, trace, workdir, accounts_file, "app")  # fmt: skip
        seconds = time.time() - started
        machine_use = sampler.finish()
    finally:
        stop(gunicorn)
    rows = read_trace(trace)
    window = steady(rows, args)
    result = summarise(rows, window)
    result.update(load_average_before=load_before, machine_during=machine_use, seconds=round(seconds, 1),
                  gunicorn_log=gunicorn_log_findings(log))  # fmt: skip
    return result


def steady(rows: list[dict], args) -> float:
    """The seconds over which requests/s is counted: from the first request to the last answer."""
    if not rows:
        return 0.0
    return max(r["end"] for r in rows) - min(r["start"] for r in rows)


def floor_run(args, locust: Path, workdir: Path, page_bytes: int) -> dict:
    log = workdir / "gunicorn-floor.log"
    trace = workdir / "floor-trace.jsonl"
    env = {**os.environ, "FLOOR_BYTES": str(page_bytes)}
    gunicorn = start_gunicorn("floor:app", FLOOR_PORT, env, log, args, chdir=HERE)
    try:
        load_before = os.getloadavg()
        sampler = Sampler(sampler_groups(gunicorn, with_postgres=False))
        sampler.start()
        say(f"locust: {args.users} users for {args.floor_duration} against the floor ({page_bytes:,} bytes)")
        run_locust(locust, ["FloorUser"], args, f"http://127.0.0.1:{FLOOR_PORT}", args.floor_duration, trace,
                   workdir, None, "floor")  # fmt: skip
        machine_use = sampler.finish()
    finally:
        stop(gunicorn)
    rows = read_trace(trace)
    result = summarise(rows, steady(rows, args))
    result.update(page_bytes=page_bytes, load_average_before=load_before, machine_during=machine_use)
    return result


def sampler_groups(gunicorn: subprocess.Popen, with_postgres: bool = True) -> dict:
    groups = {"gunicorn": lambda: children(gunicorn.pid)}
    if with_postgres:
        groups["postgresql (15/load)"] = lambda: children(postmaster_pid() or -1)
    locust_pids = lambda: [  # noqa: E731
        int(p.name) for p in Path("/proc").iterdir()
        if p.name.isdigit() and _cmdline(p).startswith(str(VENV_LOAD))
    ]  # fmt: skip
    groups["locust"] = locust_pids
    return groups


def _cmdline(proc: Path) -> str:
    with contextlib.suppress(OSError):
        return (proc / "cmdline").read_text().replace("\0", " ")
    return ""


def restart_run(args, locust: Path, app, workdir: Path, accounts_file: Path) -> dict:
    """Load for args.duration; at args.restart_at seconds PostgreSQL stops (fast shutdown), stays down for
    args.outage seconds and starts again. gunicorn is not touched."""
    log = workdir / "gunicorn-app.log"
    trace = workdir / "restart-trace.jsonl"
    base = baseline(app)
    since = datetime.now(UTC)
    gunicorn = start_gunicorn(APP_TARGET, APP_PORT, app_env(workdir), log, args)
    workers_before = worker_pids(gunicorn)
    times: dict[str, float] = {}

    def outage() -> None:
        time.sleep(args.restart_at)
        times["stop_begin"] = time.time()
        say("stopping PostgreSQL 15/load (fast shutdown)")
        sh("pg_ctlcluster", PG_VERSION, CLUSTER, "stop", "-m", "fast")
        times["stop_done"] = time.time()
        time.sleep(args.outage)
        times["start_begin"] = time.time()
        say("starting PostgreSQL 15/load")
        sh("pg_ctlcluster", PG_VERSION, CLUSTER, "start")
        wait_for_postgres(60)
        times["start_done"] = time.time()

    try:
        load_before = os.getloadavg()
        sampler = Sampler(sampler_groups(gunicorn))
        sampler.start()
        fault = threading.Thread(target=outage, daemon=True)
        say(f"locust: {args.users} users for {args.duration}; PostgreSQL restart at {args.restart_at} s")
        started = time.time()
        fault.start()
        run_locust(locust, ["MemberUser", "LeadUser", "ManagerUser"], args, f"http://127.0.0.1:{APP_PORT}",
                   args.duration, trace, workdir, accounts_file, "restart")  # fmt: skip
        fault.join()
        machine_use = sampler.finish()
        workers_after = worker_pids(gunicorn)
        gunicorn_alive = gunicorn.poll() is None
    finally:
        stop(gunicorn)
    rows = read_trace(trace)
    down, up = times["stop_begin"], times["start_done"]
    before = [r for r in rows if r["end"] < down]
    during = [r for r in rows if r["end"] >= down and r["start"] <= up]
    after = [r for r in rows if r["start"] > up]
    first_ok = min((r["end"] for r in after if r["ok"]), default=None)
    during_failures = [r for r in during if not r["ok"]]
    return {
        "timeline_seconds_from_locust_start": {
            k: round(v - started, 1) for k, v in sorted(times.items(), key=lambda kv: kv[1])
        },
        "outage_seconds": round(up - down, 1),
        "before_the_outage": _window(before),
        "during_the_outage": {
            **_window(during),
            "failures_by_status": dict(_count(str(r["status"]) for r in during_failures).most_common()),
            "failure_messages": dict(
                _count((r["error"] or "")[:120] for r in during_failures).most_common(6)
            ),
            "slowest_answer_ms": max((r["ms"] for r in during), default=None),
        },
        "after_recovery": {
            **_window(after),
            "seconds_from_postgres_up_to_first_success": round(first_ok - up, 2) if first_ok else None,
            "failure_messages": dict(
                _count((r["error"] or "")[:120] for r in after if not r["ok"]).most_common(6)
            ),
        },
        "whole_run": summarise(rows, steady(rows, args)),
        "gunicorn": {
            "restarted": False,
            "alive_at_the_end": gunicorn_alive,
            "worker_pids_before": workers_before,
            "worker_pids_after": workers_after,
            "same_workers": workers_before == workers_after,
            "log": gunicorn_log_findings(log),
        },  # fmt: skip
        "integrity": integrity(app, base, since),
        "load_average_before": load_before,
        "machine_during": machine_use,
    }


def _window(rows: list[dict]) -> dict:
    real = [r for r in rows if r["type"] != "RULE"]
    times = [r["ms"] for r in real]
    return {
        "requests": len(real),
        "failures": sum(not r["ok"] for r in real),
        "median_ms": round(statistics.median(times), 1) if times else None,
        "p95_ms": round(percentile(times, 95), 1) if times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restart-db", action="store_true", help="the PostgreSQL restart scenario")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--duration", help="locust -t (default 5m; 2m with --restart-db)")
    parser.add_argument("--floor-duration", default="2m")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--wait", default="0,0", help="seconds between two steps of a journey: min,max")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--worker-class", default="gthread", choices=("gthread", "sync"),
        help="gunicorn's worker class (sync: one request at a time per process, no keep-alive, --threads ignored)",
    )  # fmt: skip
    parser.add_argument(
        "--keep-alive", type=int, default=75,
        help="gunicorn's idle keep-alive seconds; longer than a client's pause, so an idle connection is not closed "
        "just as the client sends on it (gunicorn's default 2 s dropped POSTs: status 0)",
    )  # fmt: skip
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep crm_load if it is seeded at this size")
    parser.add_argument("--restart-at", type=float, default=60.0)
    parser.add_argument("--outage", type=float, default=10.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--keep-cluster", action="store_true", help="leave 15/load running at the end")
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--before", default=BEFORE, help="the revision whose bench/results/load.json to compare with"
    )
    args = parser.parse_args()
    args.duration = args.duration or ("2m" if args.restart_db else "5m")

    mo = ROOT / "crm/translations/zh_Hans_CN/LC_MESSAGES/messages.mo"
    if not mo.exists():
        sh(str(ROOT / ".venv/bin/pybabel"), "compile", "--use-fuzzy", "-d", "crm/translations", "-D", "messages",
           cwd=ROOT)  # fmt: skip
    locust = ensure_load_venv()
    ensure_cluster()
    ensure_database()
    workdir = Path(tempfile.mkdtemp(prefix="crm-load-"))
    app = make_app()
    try:
        prepared = prepare(app, args.entries, args.logs, args.reuse)
        weights = {"member": 35, "lead": 10, "manager": 5}
        found = accounts(app, args.users, weights)
        accounts_file = workdir / "accounts.json"
        accounts_file.write_text(json.dumps(found, ensure_ascii=False))
        users_env = {role: f"weight {w}, {len(found[role])} accounts" for role, w in weights.items()}
        with app.app_context():
            from crm.extensions import db

            db.engine.dispose()  # no idle connection of ours across the runs (and the restart)
        result = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "code": code_version(),
            "load_average_at_start": os.getloadavg(),
            "settings": settings(args, users_env),
            "data": {"entries": args.entries, "contact_logs": args.logs, **prepared},
        }
        if args.restart_db:
            result["settings"]["restart"] = (f"pg_ctlcluster {PG_VERSION} {CLUSTER} stop -m fast at {args.restart_at:.0f} s, "
                                             f"start after {args.outage:.0f} s; locust -t {args.duration}")  # fmt: skip
            result.update(restart_run(args, locust, app, workdir, accounts_file))
            out = args.output or RESULTS / "load-restart.json"
        else:
            result["app"] = load_run(args, locust, app, workdir, users_env, accounts_file)
            if not args.no_floor:
                page = typical_page_bytes(read_trace(workdir / "app-trace.jsonl"))
                result["floor"] = floor_run(args, locust, workdir, page)
                app_rps, floor_rps = result["app"]["overall"]["rps"], result["floor"]["overall"]["rps"]
                result["ratio_app_to_floor"] = round(app_rps / floor_rps, 3) if floor_rps else None
            out = args.output or RESULTS / "load.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        say(f"wrote {out} (raw traces and logs in {workdir})")
        print(
            json.dumps({k: v for k, v in result.items() if k in ("ratio_app_to_floor",)}, ensure_ascii=False)
        )
        if "app" in result:
            print_against_before(result, args.before)
    finally:
        if not args.keep_cluster and cluster_status() == "online":
            say(f"stopping {PG_VERSION}/{CLUSTER}")
            with app.app_context():
                from crm.extensions import db

                db.engine.dispose()
            sh("pg_ctlcluster", PG_VERSION, CLUSTER, "stop", "-m", "fast")
    shutil.rmtree(workdir / "uploads", ignore_errors=True)


def print_against_before(result: dict, revision: str) -> None:
    """This run beside bench/results/load.json as the revision `revision` recorded it, with issue 16's target:
    at least TARGET_FACTOR × its requests per second, no failure, and a lower p95."""
    try:
        shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:bench/results/load.json"],
                               capture_output=True, text=True, check=True).stdout  # fmt: skip
        before = json.loads(shown)
    except (subprocess.CalledProcessError, ValueError):
        print(f"no load.json at {revision} to compare with")
        return
    old, new = before["app"]["overall"], result["app"]["overall"]
    target = TARGET_FACTOR * old["rps"]
    rows = [
        ("requests/s", old["rps"], new["rps"], f"≥ {target:.1f}", new["rps"] >= target),
        ("p95 ms", old["p95_ms"], new["p95_ms"], "lower", new["p95_ms"] < old["p95_ms"]),
        ("failures", old["failures"], new["failures"], "0", new["failures"] == 0),
        ("ratio to the floor", before.get("ratio_app_to_floor"), result.get("ratio_app_to_floor"), "", None),
    ]
    print(f"\nbefore: {revision} (measured {before['measured_at']}); after: this run")
    print(f"{'':<20} {'before':>10} {'after':>10} {'target':>10}")
    for name, was, now, goal, met in rows:
        verdict = "" if met is None else ("met" if met else "NOT met")
        print(
            f"{name:<20} {was if was is not None else '—':>10} {now if now is not None else '—':>10} {goal:>10} {verdict}"
        )


if __name__ == "__main__":
    main()
