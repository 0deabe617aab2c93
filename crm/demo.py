"""Fictional demo data: users for every role and enterprises in every state, spread over the counties.

Every name is invented; every credit code is check-valid but fictional. The workflow services write the
history, so the demo timeline looks like real use.
"""

import random
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from stdnum.cn import uscc as stdnum_uscc

from crm.auth.models import User
from crm.demo_chains import seed_chains
from crm.demo_projects import seed_projects
from crm.demo_teams import TEAM_USERS, seed_teams
from crm.enterprises.models import Enterprise
from crm.enterprises.services import CategoryChoice, EnterpriseData, add_contact, create_enterprise
from crm.extensions import db
from crm.plans.logs import LogData, record_log
from crm.plans.services import plan_of
from crm.projects.stages import StageEvidence, add_funds, advance
from crm.refdata.models import CategoryTag, Industry, Region
from crm.refdata.seed import seed_reference
from crm.teams.assignment import assign, reassign, suggest_teams
from crm.teams.models import Team
from crm.types import local_date
from crm.vocab import PIPELINE, WORKING_STATES, Role, State
from crm.whitelist import services as wf
from crm.whitelist.models import WhitelistEntry

DEMO_PASSWORD = "demo2026"

# (username, full name, role, region code)
USERS = [
    ("admin", "系统管理员", Role.ADMIN, None),
    ("manager", "王局长", Role.MANAGER, None),
    ("manager2", "李副局长", Role.MANAGER, None),
    ("head_dcf", "张区长", Role.COUNTY_HEAD, "371502"),
    ("head_cp", "刘区长", Role.COUNTY_HEAD, "371503"),
    ("head_lq", "赵市长", Role.COUNTY_HEAD, "371581"),
    ("lead1", "陈队长", Role.LEAD, "371502"),
    ("lead2", "孙队长", Role.LEAD, "371503"),
    ("lead3", "周队长", Role.LEAD, "371581"),
    ("member1", "吴队员", Role.MEMBER, "371502"),
    ("member2", "郑队员", Role.MEMBER, "371503"),
    ("member3", "冯队员", Role.MEMBER, "371581"),
]

# (name, English name, industry, tags, planned investment 万元, campaign, mode) — all invented.
ENTERPRISES = [
    ("中寰重工集团有限公司", "Zhonghuan Heavy Industry Group", "装备制造", ["central_soe", "fortune_global_500"], 500000, "jingjinji", "origin"),
    ("中寰重工(山东)装备有限公司", None, "装备制造", ["central_soe"], 120000, "jingjinji", "origin"),
    ("澜拓新能源科技股份有限公司", "Lantuo New Energy Technology", "新能源", ["china_500", "chain_leader"], 350000, "duobiao", "capital"),
    ("瀚星轴承集团有限公司", "Hanxing Bearing Group", "高端轴承", ["manufacturing_500", "single_champion"], 80000, "jueshan", "mna"),
    ("泓睿智能装备有限公司", None, "具身智能", ["unicorn"], 60000, "jinwei", "tech"),
    ("青岚生物制造有限公司", None, "生物制造", ["gazelle", "specialised"], 25000, "jinwei", "tech"),
    ("北辰氢能动力科技有限公司", "Beichen Hydrogen Power", "氢能", ["quasi_unicorn"], 45000, "jinwei", "scenario"),
    ("翼展低空航空科技有限公司", None, "低空经济", ["eaglet"], 12000, "jinwei", "scenario"),
    ("德朗汽车零部件(中国)有限公司", "Delang Automotive Parts (China) Co., Ltd.", "汽车及零部件", ["multinational", "fortune_global_500"], 150000, "duobiao", "market"),
    ("恒峰铝业股份有限公司", None, "有色金属", ["private_500", "industry_leader"], 400000, "jueshan", "mna"),
    ("华钧特钢集团有限公司", None, "黑色金属", ["china_500", "manufacturing_500"], 300000, "jueshan", "capital"),
    ("碧源绿色化工有限公司", None, "绿色化工", ["specialised"], 50000, "jueshan", "origin"),
    ("禾丰农产品加工集团有限公司", None, "农副产品加工", ["private_500"], 40000, "duobiao", "market"),
    ("锦纶纺织科技有限公司", None, "轻工纺织", ["little_giant"], 20000, "jueshan", "market"),
    ("晟达绿色建材有限公司", None, "绿色建材", ["head_firm"], 30000, "jueshan", "scenario"),
    ("云启信息技术股份有限公司", "Yunqi Information Technology", "新一代信息技术", ["china_500", "head_firm"], 90000, "jinwei", "tech"),
    ("安和医药健康集团有限公司", None, "大健康", ["service_500"], 70000, "duobiao", "capital"),
    ("极光人工智能研究院有限公司", None, "人工智能", ["unicorn"], 35000, "jinwei", "origin"),
    ("新材未来材料科技有限公司", None, "未来材料", ["gazelle"], 28000, "jinwei", "tech"),
    ("万通现代物流有限公司", None, "现代物流", ["service_500"], 18000, "jingjinji", "market"),
    ("中铁建联工程(聊城)有限公司", None, "装备制造", ["central_soe"], 220000, "jingjinji", "origin"),
    ("远洋动力电池有限公司", None, "新能源", ["manufacturing_500"], 260000, "duobiao", "mna"),
    ("博瑞精密仪器有限公司", None, "装备制造", ["little_giant", "specialised"], 15000, "jueshan", "tech"),
    ("海岳生命科学有限公司", None, "生命科学", ["eaglet"], 8000, "jinwei", "capital"),
]  # fmt: skip

# The state each demo enterprise ends in, and the county that proposes it.
PLAN = [
    (State.PRODUCING, "371502"), (State.STARTED, "371502"), (State.LANDED, "371503"), (State.SIGNED, "371581"),
    (State.NEGOTIATING, "371502"), (State.CONTACTING, "371503"), (State.ASSIGNED, "371581"), (State.WHITELISTED, "371502"),
    (State.WHITELISTED, "371521"), (State.NEGOTIATING, "371522"), (State.CONTACTING, "371524"), (State.ASSIGNED, "371525"),
    (State.SIGNED, "371526"), (State.PAUSED, "371502"), (State.DROPPED, "371503"), (State.RETURNED, "371502"),
    (State.PROPOSED, "371502"), (State.PROPOSED, "371503"), (State.PROPOSED, "371581"), (State.WHITELISTED, "ZONE-ETDZ"),
    (State.CONTACTING, "ZONE-HTZ"), (State.PROPOSED, "ZONE-ETDZ"), (State.ASSIGNED, "371502"), (State.PROPOSED, "371502"),
]  # fmt: skip


# Subsidiary index → parent index. The second pair sits in different counties, so it shows a conflict.
GROUP_PARENTS = {1: 0, 23: 3}


def fictional_uscc(rng: random.Random, region_code: str) -> str:
    """A check-valid credit code: '91' + region + a random organisation code + the check character."""
    org = "".join(rng.choice("0123456789") for _ in range(9))
    body = "91" + (region_code if region_code.isdigit() else "371500") + org
    code = body + stdnum_uscc.calc_check_digit(body)
    stdnum_uscc.validate(code)
    return code


def _users() -> dict[str, User]:
    # Looked up by a user's county code (None: the city).
    regions: dict[str | None, int] = {r.code: r.id for r in db.session.scalars(select(Region))}
    users = {}
    for username, full_name, role, region in USERS + TEAM_USERS:
        user = User(username=username, full_name=full_name, role=role, region_id=regions.get(region))
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[username] = user
    db.session.commit()
    return users


def _proposer(users: dict[str, User], region_code: str) -> User:
    """The county's first team lead proposes its enterprises (so members see only their teams' targets)."""
    for user in users.values():
        if user.role == Role.LEAD and user.region and user.region.code == region_code:
            return user
    return users["manager"]


def seed_demo(now: datetime) -> None:
    seed_reference()
    rng = random.Random(2026)
    users = _users()
    industries = {i.name: i.id for i in db.session.scalars(select(Industry))}
    tags = {t.code: t for t in db.session.scalars(select(CategoryTag))}
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    made: list[Enterprise] = []
    teams = seed_teams(users, now - timedelta(days=100))
    entries = []
    for index, (
        (name, name_en, industry, tag_codes, invest, campaign, mode),
        (state, region_code),
    ) in enumerate(zip(ENTERPRISES, PLAN, strict=True)):
        start = now - timedelta(days=90 - index * 3)
        proposer = _proposer(users, region_code)
        cats = [
            CategoryChoice(tags[c].id, *((rng.randint(20, 480), 2025) if tags[c].has_rank else ()))
            for c in tag_codes
        ]
        data = EnterpriseData(
            name=name, name_en=name_en, uscc=fictional_uscc(rng, region_code), industry_id=industries[industry],
            hq=rng.choice(["北京市", "上海市", "深圳市", "济南市", "青岛市", "聊城市"]), categories=cats,
            parent_id=made[GROUP_PARENTS[index]].id if index in GROUP_PARENTS else None,
            notes="演示数据：虚构企业。",
        )  # fmt: skip
        enterprise = create_enterprise(data, proposer, start, commit=False)
        made.append(enterprise)
        add_contact(
            enterprise,
            proposer,
            start,
            name=f"{name[:1]}经理",
            title="投资发展部经理",
            phone="0635-8" + str(1000000 + index),
        )
        entry_data = wf.EntryData(
            region_id=regions[region_code].id, industry_id=industries[industry], campaign=campaign, mode=mode,
            planned_investment=invest, summary=f"{name}拟在{regions[region_code].name}投资建设{industry}项目。",
            priority=1 if invest >= 100000 else 2,
        )  # fmt: skip
        entry = wf.propose(proposer, enterprise, entry_data, start)
        _drive(entry, state, users, region_code, start, teams, rng)
        entries.append(entry)
    _demo_reassignment(users, entries, now - timedelta(days=3))
    seed_projects(users, entries, now, rng)
    seed_chains(users["manager"], now - timedelta(days=95))
    _follow_up_due_today(users["member1"], entries, now)


def _head(users: dict[str, User], region_code: str) -> User | None:
    for user in users.values():
        if user.role == Role.COUNTY_HEAD and user.region and user.region.code == region_code:
            return user
    return None


def _drive(
    entry: WhitelistEntry,
    state: State,
    users: dict[str, User],
    region_code: str,
    start: datetime,
    teams: list,
    rng: random.Random,
) -> None:
    """Take a fresh proposal through the workflow to `state`, one dated step after another."""
    if state == State.PROPOSED:
        return
    head, at = _head(users, region_code), start + timedelta(days=2)
    if state == State.RETURNED:
        wf.return_for_revision(head or users["manager"], entry, "请补充项目投资强度和用地需求。", at)
        return
    if head and entry.review_stage == "county":
        wf.approve(head, entry, at)
    manager = users["manager"] if entry.proposer_id != users["manager"].id else users["manager2"]
    wf.approve(manager, entry, at + timedelta(days=1), reason="同意入库。" if entry.conflict else None)
    if state == State.DROPPED:
        wf.drop(manager, entry, "企业投资计划调整，暂无在聊布局意向。", at + timedelta(days=5))
        return
    target = State.NEGOTIATING if state == State.PAUSED else state
    if target != State.WHITELISTED:
        _assign_best(manager, entry, teams, at + timedelta(days=3))
    for step, stage in enumerate(PIPELINE[2 : PIPELINE.index(target) + 1], start=2):
        _reach(entry, stage, at + timedelta(days=step * 6), rng)
    if state == State.PAUSED:
        wf.pause(manager, entry, "企业内部重组，双方约定三个月后再议。", at + timedelta(days=40))


def _log(entry: WhitelistEntry, kind: str, summary: str, when: datetime, step_title: str | None) -> None:
    step = next((t for t in plan_of(entry.id) if t.title == step_title and t.status == "open"), None)
    data = LogData(occurred_at=when, kind=kind, summary=summary, outcome="对方表示有意向，需进一步沟通。",
                   complete_task_id=step.id if step else None)  # fmt: skip
    record_log(entry.owner, entry, data, when, Path("/nonexistent"))


def _reach(entry: WhitelistEntry, stage: State, when: datetime, rng: random.Random) -> None:
    """Move the entry to `stage` the way a team would: contact logs first, then each stage with its evidence."""
    today = local_date(when)
    if stage == State.CONTACTING:
        _log(entry, "phone", "电话联系企业投资发展部，介绍聊城产业基础和招商政策。", when, "首次对接")
        return
    if stage == State.NEGOTIATING:
        _log(entry, "visit", "上门拜访企业总部，就项目选址、用地和配套进行交流。", when, "上门拜访")
        evidence = StageEvidence()
    elif stage == State.SIGNED:
        evidence = StageEvidence(on=today, amount=int((entry.planned_investment or 10000) * 0.8))
    elif stage == State.LANDED:
        evidence = StageEvidence(on=today, uscc=fictional_uscc(rng, entry.region.code))
    else:
        evidence = StageEvidence(on=today)
    advance(entry.owner, entry, stage, evidence, when, today)
    if stage == State.SIGNED:
        assert entry.contract_amount is not None  # the signing has just stored it
        add_funds(entry.owner, entry, today, int(entry.contract_amount * 0.2), 500, "首期到位", when, today)


def _assign_best(manager: User, entry: WhitelistEntry, teams: list, when: datetime) -> None:
    """Give the entry to the best-suggested team with room, owned by its first member (or its leader)."""
    best = next(s for s in suggest_teams(entry, teams) if not s.full)
    owner = best.team.members[0] if best.team.members else best.team.leader
    assign(manager, entry, best.team, owner, when)


def _demo_reassignment(users: dict[str, User], entries: list[WhitelistEntry], when: datetime) -> None:
    """lead1 moves one target between the two teams they lead, so the demo shows a reassignment."""
    lead1 = users["lead1"]
    led = [e for e in entries if e.team and e.team.leader_id == lead1.id and e.state != State.PAUSED]
    if not led:
        return
    entry = led[0]
    other = next(
        t for t in db.session.scalars(select(Team).where(Team.leader_id == lead1.id)) if t.id != entry.team_id
    )
    reassign(lead1, entry, other, other.leader, "按产业方向调整至对口团队跟进。", True, when)


def _follow_up_due_today(member: User, entries: list[WhitelistEntry], now: datetime) -> None:
    """member1 logged a call this morning whose next step is due today: the scheduler's first scan reminds them."""
    mine = next(e for e in entries if e.owner_id == member.id and e.state in WORKING_STATES)
    data = LogData(occurred_at=now - timedelta(hours=1), kind="phone", summary="电话沟通考察行程安排。",
                   next_step="确认企业来聊考察的日程和接待方案", next_date=local_date(now))  # fmt: skip
    record_log(member, mine, data, now, Path("/nonexistent"))
