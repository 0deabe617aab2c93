"""A small campaign for the team tests: two counties, teams with leads and members, whitelisted entries."""

import pytest

from crm.extensions import db
from crm.refdata.models import Industry
from crm.teams.models import Team, TeamMember
from crm.whitelist import services as wf
from tests.conftest import region


def industry(name: str) -> Industry:
    return db.session.scalar(db.select(Industry).where(Industry.name == name))


@pytest.fixture
def campaign(make_user, make_entry, now):
    """东昌府区 (371502) with lead 'lead' running teams A (装备制造) and B (新能源), member 'member' in A and
    'member_b' in B; 茌平区 (371503) with lead 'other_lead' running team C; a city-wide team D (装备制造)."""
    p = {
        "member": make_user("member", "371502", username="member_a"),
        "member_b": make_user("member", "371502", username="member_b"),
        "lead": make_user("lead", "371502", username="lead_a"),
        "head": make_user("county_head", "371502", username="head_a"),
        "other_member": make_user("member", "371503", username="member_c"),
        "other_lead": make_user("lead", "371503", username="lead_c"),
        "other_head": make_user("county_head", "371503", username="head_c"),
        "city_lead": make_user("lead", None, username="lead_d"),
        "manager": make_user("manager", username="boss"),
        "proposer": make_user("member", "371502", username="proposer_a"),  # in no team
        "other_proposer": make_user("member", "371503", username="proposer_c"),
    }

    def team(name, code, leader, members, focus, capacity=None):
        t = Team(name=name, region_id=region(code).id if code else None, leader_id=p[leader].id, capacity=capacity,
                 industries=[industry(i) for i in focus])  # fmt: skip
        t.memberships = [TeamMember(user_id=p[m].id) for m in members]
        db.session.add(t)
        return t

    teams = {
        "A": team("东昌府装备队", "371502", "lead", ["member"], ["装备制造"], capacity=3),
        "B": team("东昌府新能源队", "371502", "lead", ["member_b"], ["新能源"]),
        "C": team("茌平装备队", "371503", "other_lead", ["other_member"], ["装备制造"]),
        "D": team("市级装备队", None, "city_lead", [], ["装备制造"]),
    }
    db.session.commit()

    def whitelisted(name, code="371502", industry_name="装备制造"):
        proposer = p["proposer"] if code == "371502" else p["other_proposer"]
        entry = make_entry(proposer, region_code=code, name=name, industry_id=industry(industry_name).id)
        wf.approve(p["head"] if code == "371502" else p["other_head"], entry, now)
        wf.approve(p["manager"], entry, now)
        return entry

    return p, teams, whitelisted


def listed(client, url="/whitelist/") -> str:
    """A page's HTML."""
    return client.get(url).data.decode()
