"""`flask crm ...` commands."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.refdata.models import Region
from crm.types import utcnow
from crm.vocab import Role

crm_cli = AppGroup("crm", help="Target-enterprise CRM commands.")


@crm_cli.command("seed-reference")
def seed_reference_command() -> None:
    """Insert the default regions, industry tree and category tags (missing rows only)."""
    from crm.refdata.seed import seed_reference

    seed_reference()
    click.echo("reference data in place")


@crm_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if any user exists (used by `make run`).")
def seed_demo_command(if_empty: bool) -> None:
    """Load fictional demo users and enterprises (refuses to run against a production config)."""
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
    from crm.auth.services import create_user
    from crm.errors_domain import DomainError

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
