"""Projects for the API's tests, made through the real services: each county of tests/test_permissions.py's world
gets a signed project on its assigned target ('project'), landing in the county itself."""

from datetime import date

import pytest

from crm.projects import services, stages
from crm.projects.models import Project
from crm.types import local_date
from crm.vocab import Role, State
from crm.whitelist.models import WhitelistEntry


def sign_project(actor, entry: WhitelistEntry, now, region_id: int | None = None, **fields) -> Project:
    """A project of `entry` (moved to 洽谈中 first when it is only in contact), signed on `now`'s day."""
    today = local_date(now)
    if entry.state == State.CONTACTING:
        stages.advance(actor, entry, State.NEGOTIATING, stages.StageEvidence(), now, today)
    data = services.ProjectData(
        name=fields.pop("name", f"{entry.enterprise.name} 一期项目"),
        region_id=region_id or entry.region_id,
        agreement=fields.pop("agreement", "investment"),
        signed_on=fields.pop("signed_on", today),
        contract_amount=fields.pop("contract_amount", 50_000),
        planned_investment=fields.pop("planned_investment", 120_000),
        schedule=fields.pop("schedule", {date(today.year, today.month, 1): 1_000}),
        **fields,
    )
    return services.add_project(actor, entry, data, now, today)


@pytest.fixture
def project_world(world, now):
    """The world with a project in each county (kept when the world already brings one)."""
    inside, counties, extra = world
    manager = inside["users"][Role.MANAGER]
    for county in counties.values():
        if "project" not in county:
            county["project"] = sign_project(manager, county["assigned"], now)
    return world
