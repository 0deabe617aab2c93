"""A project carries its target's county (held_region_id): set when it is made, however it is made, and moved with
the target when the target moves county, so the county's project list follows."""

from datetime import datetime

from sqlalchemy import select

from crm.extensions import db
from crm.projects.models import Project
from crm.refdata.models import Region
from crm.whitelist import services as wf
from tests.projects.conftest import SIGNED_AT
from tests.projects.test_lifecycle import second, zone


def county(code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def listed(login, user) -> str:
    return login(user).get("/projects/").data.decode()


def test_a_project_is_held_by_its_targets_county_and_follows_it(signed, login):
    p, _teams, entry, first = signed
    other = second(p, entry, name="高新区二期项目")  # lands in the 高新区, held by 东昌府区
    raw = Project(entry_id=entry.id, name="直接写入的项目", region_id=zone().id, agreement="framework",
                  signed_on=first.signed_on, state="signed")  # fmt: skip
    db.session.add(raw)  # written without the services: the held county is still filled in
    db.session.commit()
    assert {first.held_region_id, other.held_region_id, raw.held_region_id} == {county("371502").id}
    assert "高新区二期项目" in listed(login, p["head"])
    assert "高新区二期项目" not in listed(login, p["other_head"])

    data = wf.EntryData(region_id=county("371503").id, industry_id=entry.industry_id, campaign=entry.campaign,
                        mode=entry.mode, planned_investment=entry.planned_investment, summary=entry.summary,
                        priority=entry.priority)  # fmt: skip
    wf.edit(p["manager"], entry, data, datetime(2026, 10, 13, 2, 0, tzinfo=SIGNED_AT.tzinfo), entry.version)
    db.session.expire_all()
    held = set(db.session.scalars(select(Project.held_region_id).where(Project.entry_id == entry.id)))
    assert held == {county("371503").id}
    assert "高新区二期项目" in listed(login, p["other_head"])
    assert "高新区二期项目" not in listed(login, p["head"])
