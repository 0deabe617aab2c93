"""`flask crm ...` commands."""

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select, text

from crm.auth.models import User
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.refdata.models import Region
from crm.types import utcnow
from crm.vocab import Role

if TYPE_CHECKING:
    from crm.backup import Outcome

crm_cli = AppGroup("crm", help="Target-enterprise CRM commands.")


@crm_cli.command("seed-reference")
def seed_reference_command() -> None:
    """Insert the default regions, industry tree and category tags (missing rows only)."""
    # Deliberate: lazy CLI loading; a command loads only what it runs.
    from crm.refdata.seed import seed_reference

    seed_reference()
    click.echo("reference data in place")


@crm_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if any user exists (used by `make run`).")
def seed_demo_command(if_empty: bool) -> None:
    """Load fictional demo users and enterprises (refuses to run against a production config)."""
    # Deliberate: lazy CLI loading; a command loads only what it runs.
    from crm.demo import DEMO_PASSWORD, USERS, seed_demo

    if current_app.config.get("IS_PRODUCTION"):
        raise click.ClickException("seed-demo refuses to run against a production configuration")
    if db.session.scalar(select(User.id).limit(1)) is not None:
        if if_empty:
            click.echo("database already has users; demo data not loaded again")
            return
        raise click.ClickException("the database already has users; seed-demo only fills an empty database")
    seed_demo(utcnow())
    click.echo(f"demo data loaded; accounts ({DEMO_PASSWORD}): " + ", ".join(u[0] for u in USERS))


@crm_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "full_name", required=True, help="Full name shown in the app.")
@click.option("--region", "region_code", help="County/zone code (GB/T 2260), e.g. 371502.")
@click.password_option()
def create_user_command(
    username: str, role: str, full_name: str, region_code: str | None, password: str
) -> None:
    """Create a user (the password is prompted for unless --password is given)."""
    # Deliberate: lazy CLI loading; a command loads only what it runs.
    from crm.auth.services import create_user

    region_id = None
    if region_code:
        region_id = db.session.scalar(select(Region.id).where(Region.code == region_code))
        if region_id is None:
            raise click.ClickException(f"no region with code {region_code}")
    try:
        user = create_user(username, password, role, full_name, region_id)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.username} ({user.role})")


ADVISORY_LOCK_KEY = 727_2026  # any constant shared by all scheduler instances of this database


def _hold_leader_lock(app: Flask) -> object | None:
    """On PostgreSQL, block until this process holds the session-level advisory lock: a second scheduler waits
    as a standby instead of running every job twice. Returns the connection that holds it (keep it open)."""
    if db.engine.dialect.name != "postgresql":
        return None
    conn = db.engine.connect()
    conn.detach()  # not a pooled connection: closing it (or the process dying) must release the lock
    while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar():
        conn.commit()
        click.echo("another scheduler holds the lock; standing by")
        time.sleep(15)
    conn.commit()
    click.echo("scheduler lock acquired")
    return conn


@crm_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the reminder scheduler (APScheduler, Asia/Shanghai) in this process; web processes never do."""
    # Deliberate: lazy CLI loading; a command loads only what it runs.
    from apscheduler.schedulers.blocking import BlockingScheduler

    from crm.reminders import jobs
    from crm.settings import get_int

    # current_app is a LocalProxy, which flask's types declare as the Flask object itself.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs.bind(app)
    lock = _hold_leader_lock(app)  # noqa: F841  (held for the life of the process)
    scheduler = BlockingScheduler(
        timezone=app.config["TIMEZONE"],
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    start = datetime.now(ZoneInfo(app.config["TIMEZONE"]))
    for job in jobs.job_definitions(
        app.config["SCAN_INTERVAL_MINUTES"], get_int("digest_hour"), app.config["DASHBOARD_SNAPSHOT_MINUTES"]
    ):
        first = (
            {"next_run_time": start} if job.trigger == "interval" else {}
        )  # interval jobs also run at start
        scheduler.add_job(job.func, job.trigger, id=job.id, replace_existing=True, **job.options, **first)
    db.session.remove()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo("scheduler running: " + ", ".join(j.id for j in scheduler.get_jobs()))
    scheduler.start()


@crm_cli.command("scan-once")
def scan_once_command() -> None:
    """One pass of every reminder job: scan, reclaim, deliver (for cron and tests)."""
    # Deliberate: lazy CLI loading; a command loads only what it runs.
    from crm import outbox
    from crm.reminders.delivery import deliver
    from crm.reminders.scan import scan

    now = utcnow()
    found = scan(now)
    reclaimed = outbox.reclaim_stuck(now)
    delivered = deliver(now)
    click.echo(
        f"scan: {found.reminders} reminders, {found.notifications} new notifications, {found.escalations} escalations; "
        f"reclaimed {reclaimed}; delivered {delivered.sent} of {delivered.claimed} ({delivered.failed} failed)"
    )
    for year in found.uncovered_years:
        click.echo(
            f"warning: the {year} holiday schedule is provisional (statutory holidays only); confirm it"
        )


def _describe(outcome: "Outcome") -> str:
    return f"{outcome.path}: schema {outcome.revision}, {outcome.tables} tables, {outcome.rows} rows"


@crm_cli.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Write a consistent copy of the database (SQLite: online backup; PostgreSQL: pg_dump -Fc) to PATH
    (default: BACKUP_DIR/crm-<time>.sqlite3 or .dump). Safe while the app runs."""
    # Deliberate: lazy CLI loading; a command loads only what it runs.
    from crm import backup

    try:
        outcome = backup.backup(path or backup.default_path(datetime.now()))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo("backup written: " + _describe(outcome))


@crm_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="Replace every record in the configured database with this backup?")
def restore_command(path: Path) -> None:
    """Replace the database's contents with a backup made by `flask crm backup`, all or nothing. Stop the web
    servers and the scheduler first."""
    # Deliberate: lazy CLI loading; a command loads only what it runs.
    from crm import backup

    try:
        outcome = backup.restore(path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo("restored: " + _describe(outcome))
    if outcome.revision not in backup.head_revisions():
        click.echo("the backup is from an older release: run `flask db upgrade` before starting the app")
