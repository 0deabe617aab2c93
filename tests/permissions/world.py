"""The campaign the permission matrix runs against: two counties with their staff, teams and records in every
state a route needs (`world`), and the URL of a matrix case in one of them (`url_for_case`)."""

from datetime import date

import pytest
from flask import current_app

from crm.extensions import db
from crm.imports.models import ImportBatch
from crm.instructions import services as instructions
from crm.plans import logs
from crm.plans.models import Holiday, HolidayYear, Task
from crm.refdata.models import Alias
from crm.reminders.models import Escalation, Notification
from crm.teams import assignment
from crm.teams.models import Team, TeamMember
from crm.whitelist import services as wf
from tests.conftest import region
from tests.permissions.matrix import A, G, H, L, M
from tests.snapshot import kept


def upload_dir():
    from pathlib import Path

    return Path(current_app.config["UPLOAD_FOLDER"])


def build_county(code: str, make_user, make_entry, now, users=None) -> dict:
    """A county with its staff, a team (lead + member), and entries in the states the routes need."""
    users = users or {role: make_user(role, code) for role in (M, L, H)}
    manager = make_user(G)
    proposer = make_user(L, code)
    newcomer = make_user(M, code)
    team = Team(name=f"{code} 攻坚队", region_id=region(code).id, leader_id=users[L].id)
    team.memberships = [TeamMember(user_id=users[M].id)]
    db.session.add(team)
    db.session.commit()
    proposal = make_entry(proposer, name=f"{code} 待审企业有限公司")
    whitelisted = make_entry(proposer, name=f"{code} 待分配企业有限公司")
    assigned = make_entry(proposer, name=f"{code} 攻坚企业有限公司")
    for entry in (whitelisted, assigned):
        wf.approve(users[H], entry, now)
        wf.approve(manager, entry, now)
    assignment.assign(manager, assigned, team, users[M], now)  # the member gets an inbox message
    pdf = logs.Upload("纪要.pdf", b"%PDF-1.4 minutes")
    log = logs.record_log(
        users[M], assigned, logs.LogData(now, "visit", "拜访", attachment=pdf), now, upload_dir()
    )
    task = db.session.scalar(
        db.select(Task).where(Task.entry_id == assigned.id, Task.status == "open").limit(1)
    )
    signed, project, line = signed_target(code, proposer, users, manager, team, now)
    edition = county_report(code, now)
    view = saved_view(code, users, manager, now)
    instruction = instructions.issue(users[H], assigned, instructions.InstructionData("action", "请尽快上门拜访", date(2026, 3, 6)), now)  # fmt: skip
    return {
        "instruction": instruction, "view": view, "log": log, "task": task, "signed": signed, "project": project, "line": line,
        "users": users, "team": team, "proposal": proposal, "whitelisted": whitelisted, "assigned": assigned,
        "newcomer": newcomer, "edition": edition,
    }  # fmt: skip


def saved_view(code: str, users: dict, manager, now):
    """东昌府区 ('in'): the manager's unlocked city-wide view; 茌平区 ('out'): its member's private view."""
    from crm.saved_views import services as views

    if code == "371502":
        return views.create_view(manager, "全市红灯", "light=red", now, views.Sharing("city"))
    return views.create_view(users[M], "我的视图", "light=red", now)


def county_report(code: str, now):
    """The county's weekly report of the week before `now` in the archive (its file a stand-in)."""
    from crm.reports.models import ReportEdition

    county = region(code).id
    edition = ReportEdition(kind="weekly", scope=f"county:{county}", region_id=county, period_start=date(2026, 3, 2),
                            period_end=date(2026, 3, 8), published_on=date(2026, 3, 9), docx=b"PK\x03\x04 docx",
                            size=10, built_at=now)  # fmt: skip
    db.session.add(edition)
    db.session.commit()
    return edition


def signed_target(code: str, proposer, users: dict, manager, team, now) -> tuple:
    """A signed target of the county's team with its project, and a line of the county's March return (with an
    attachment) for it."""
    from crm.enterprises.services import EnterpriseData, create_enterprise
    from crm.projects import returns
    from crm.projects.services import projects_of
    from crm.projects.stages import StageEvidence, advance
    from crm.vocab import State

    enterprise = create_enterprise(EnterpriseData(name=f"{code} 已签约企业有限公司"), proposer, now)
    entry = wf.propose(proposer, enterprise, wf.EntryData(region_id=region(code).id), now)
    wf.approve(users[H], entry, now)
    wf.approve(manager, entry, now)
    assignment.assign(manager, entry, team, users[M], now)
    logs.record_log(users[M], entry, logs.LogData(now, "visit", "拜访"), now, upload_dir())
    today = now.date()
    advance(users[M], entry, State.NEGOTIATING, StageEvidence(), now, today)  # the visit made it 对接中
    advance(users[M], entry, State.SIGNED, StageEvidence(on=today, amount=20000), now, today)
    project = projects_of(entry.id)[0]
    pdf = logs.Upload("回单.pdf", b"%PDF-1.4 slip")
    line = returns.add_arrival(users[L], project, returns.ArrivalData(month=today, fixed=500, attachment=pdf), now,
                               today, upload_dir())  # fmt: skip
    return entry, project, line


@pytest.fixture
def world(make_user, make_entry, now):
    """Users of every role in 东昌府区 with their county's records ('in'), and 茌平区's records ('out'); built once
    per run and written back for each test (tests/snapshot.py)."""
    return kept(f"permissions-world-{now.isoformat()}", lambda: build_world(make_user, make_entry, now))


def build_world(make_user, make_entry, now):
    inside = build_county("371502", make_user, make_entry, now)
    outside = build_county("371503", make_user, make_entry, now)
    inside["users"].update({G: make_user(G), A: make_user(A)})
    # 茌平区 proposes an enterprise 东昌府区 already holds: a conflict for the city.
    conflict = make_entry(outside["users"][L], enterprise=inside["assigned"].enterprise)
    from crm.inbox.models import InboxItem

    item = db.session.scalar(db.select(InboxItem.id).where(InboxItem.user_id == inside["users"][M].id))
    db.session.add(Holiday(day=date(2027, 1, 1), name="元旦"))
    db.session.add(
        HolidayYear(year=2027, confirmed_by_id=inside["users"][A].id, confirmed_at=now)
    )  # to withdraw
    escalation = Escalation(task_id=inside["task"].id, entry_id=inside["assigned"].id, level="lead", severity="blue",
                            recipient_id=inside["users"][M].id, overdue_days=3, created_at=now)  # fmt: skip
    failed = Notification(dedupe_key="x:failed", channel="email", kind="due_today", title="t", status="failed",
                          next_attempt_at=now, created_at=now)  # fmt: skip
    db.session.add_all([escalation, failed])
    batch = ImportBatch(
        kind="proposals", filename="名单.xlsx", created_by_id=outside["users"][L].id, created_at=now
    )
    db.session.add(batch)
    db.session.commit()
    alias = db.session.scalar(db.select(Alias.id).order_by(Alias.id).limit(1))
    from crm.reports.screen import create_link

    screen, _token = create_link(inside["users"][G], "一楼大厅", now)
    extra = {**chain_records(inside["users"][G], now), "screen": screen.id, "conflict": conflict.id, "item": item, "escalation": escalation.id, "failed": failed.id, "alias": alias,
             "batch": batch.id, "upload": stored_upload(outside["users"][L])}  # fmt: skip
    return inside, {"in": inside, "out": outside}, extra


def chain_records(manager, now) -> dict[str, int]:
    """A chain with a link holding a node (with a local firm) and an empty node, and an empty link."""
    from crm.chains import services as cs

    chain = cs.create_chain(manager, cs.ChainData(name="轴承"), now)
    link, empty_link = cs.add_link(manager, chain, "中游", now), cs.add_link(manager, chain, "下游", now)
    node = cs.add_node(manager, chain, cs.NodeData("高端轴承套圈", link.id), now)
    empty_node = cs.add_node(manager, chain, cs.NodeData("轴承钢球", link.id), now)
    firm = cs.place_firm_named(manager, node, "聊城（临清）轴承有限公司", region("371581").id, "leader", now)
    return {"chain": chain.id, "link": link.id, "emptylink": empty_link.id, "node": node.id,
            "emptynode": empty_node.id, "firm": firm.id}  # fmt: skip


def stored_upload(owner) -> str:
    """An uploaded file waiting for its dry run, as the import screen leaves it (owned by `owner`)."""
    import json
    import secrets
    from pathlib import Path

    token = secrets.token_hex(16)
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{token}.bin").write_bytes("企业名称\n测试\n".encode())
    (folder / f"{token}.json").write_text(
        json.dumps({"user_id": owner.id, "filename": "a.csv", "kind": "proposals"})
    )
    return token


def url_for_case(template: str, county: dict, extra: dict) -> str:
    return template.format(
        proposal=county["proposal"].id, whitelisted=county["whitelisted"].id, assigned=county["assigned"].id,
        enterprise=county["assigned"].enterprise_id, team=county["team"].id, member=county["users"][M].id,
        region=county["assigned"].region_id, newcomer=county["newcomer"].id, pversion=county["proposal"].version,
        aversion=county["assigned"].version, log=county["log"].id, task=county["task"].id,
        signed=county["signed"].id, project=county["project"].id, prversion=county["project"].version,
        line=county["line"].id, **{"return": county["line"].return_id}, edition=county["edition"].id,
        view=county["view"].id,
        instruction=county["instruction"].id, iversion=county["instruction"].version,
        **extra,
    )  # fmt: skip
