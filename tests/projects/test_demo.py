"""The demo shows what issue 13 is about: a target with two projects in different zones, a red project, and
returns verified, pending and sent back."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from crm.demo import seed_demo
from crm.demo_projects import RETURN_REASON
from crm.extensions import db
from crm.projects.lights import lights_for
from crm.projects.models import FundReturn, Project
from crm.types import local_date


def test_the_demo_has_projects_and_returns_in_every_state(app):
    now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    seed_demo(now)
    per_entry = db.session.execute(
        select(Project.entry_id, func.count(func.distinct(Project.region_id)))
        .group_by(Project.entry_id).having(func.count() > 1)
    ).all()  # fmt: skip
    assert any(zones > 1 for _entry, zones in per_entry)
    projects = list(db.session.scalars(select(Project)))
    colours = {light.colour for light in lights_for(projects, local_date(now)).values()}
    assert "red" in colours
    red = [p for p in projects if lights_for([p], local_date(now))[p.id].colour == "red"]
    assert any(p.state == "signed" for p in red)
    statuses = dict(
        db.session.execute(select(FundReturn.status, func.count()).group_by(FundReturn.status)).all()
    )
    assert statuses.get("verified") and statuses.get("submitted") and statuses.get("returned")
    assert (
        db.session.scalar(select(FundReturn.return_reason).where(FundReturn.status == "returned"))
        == RETURN_REASON
    )
