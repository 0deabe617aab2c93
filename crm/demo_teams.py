"""Demo attack teams: about a dozen teams across industries and counties, lead1 leading two of them and member1 in
one."""

from datetime import datetime

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.refdata.models import Industry, Region
from crm.teams.models import Team, TeamMember
from crm.vocab import Role

# (username, full name, region code) of the extra leads and members the teams need.
TEAM_USERS = [
    ("lead4", "钱队长", Role.LEAD, "371521"),
    ("lead5", "李队长", Role.LEAD, "371522"),
    ("lead6", "何队长", Role.LEAD, "371524"),
    ("lead7", "吕队长", Role.LEAD, "371525"),
    ("lead8", "施队长", Role.LEAD, "371526"),
    ("lead9", "张队长", Role.LEAD, None),
    ("member4", "褚队员", Role.MEMBER, "371502"),
    ("member5", "卫队员", Role.MEMBER, "371503"),
    ("member6", "蒋队员", Role.MEMBER, "371521"),
    ("member7", "沈队员", Role.MEMBER, "371522"),
    ("member8", "韩队员", Role.MEMBER, "371524"),
    ("member9", "杨队员", Role.MEMBER, None),
    ("member10", "朱队员", Role.MEMBER, None),
]

# (name, region code or None for city-wide, leader, members, industries, capacity, 包保领导)
TEAMS = [
    (
        "东昌府区高端装备攻坚一队",
        "371502",
        "lead1",
        ["member1"],
        ["装备制造", "高端轴承"],
        6,
        "东昌府区委副书记",
    ),
    (
        "东昌府区新兴产业攻坚二队",
        "371502",
        "lead1",
        ["member4"],
        ["新一代信息技术", "新能源", "人工智能"],
        5,
        "东昌府区副区长",
    ),
    ("茌平区有色金属攻坚队", "371503", "lead2", ["member2"], ["有色金属", "黑色金属"], 5, "茌平区委书记"),
    ("茌平区新材料攻坚队", "371503", "lead2", ["member5"], ["未来材料", "绿色化工"], 4, "茌平区副区长"),
    (
        "临清市轴承与汽车零部件攻坚队",
        "371581",
        "lead3",
        ["member3"],
        ["高端轴承", "汽车及零部件"],
        5,
        "临清市市长",
    ),
    ("阳谷县绿色化工攻坚队", "371521", "lead4", ["member6"], ["绿色化工", "有色金属"], 4, "阳谷县县长"),
    ("莘县农副产品加工攻坚队", "371522", "lead5", ["member7"], ["农副产品加工", "新能源"], 4, "莘县县长"),
    ("东阿县大健康攻坚队", "371524", "lead6", ["member8"], ["大健康", "新一代信息技术"], 4, "东阿县县长"),
    ("冠县轻工纺织攻坚队", "371525", "lead7", [], ["轻工纺织"], 3, "冠县县长"),
    ("高唐县绿色建材攻坚队", "371526", "lead8", [], ["绿色建材", "汽车及零部件"], 3, "高唐县县长"),
    ("市级央企对接攻坚队", None, "lead9", ["member9"], ["装备制造", "新能源"], 8, "市政府副市长"),
    (
        "市级未来产业攻坚队",
        None,
        "lead9",
        ["member10"],
        ["氢能", "低空经济", "具身智能", "生物制造", "生命科学"],
        8,
        "市政府副市长",
    ),
]


def seed_teams(users: dict[str, User], now: datetime) -> list[Team]:
    # Looked up by a team's county code (None: a city-wide team).
    regions: dict[str | None, int] = {r.code: r.id for r in db.session.scalars(select(Region))}
    industries = {i.name: i for i in db.session.scalars(select(Industry))}
    teams = []
    for name, region, leader, members, focus, capacity, senior in TEAMS:
        team = Team(
            name=name, region_id=regions.get(region), leader_id=users[leader].id, capacity=capacity,
            senior_leader=senior, created_at=now, industries=[industries[i] for i in focus],
        )  # fmt: skip
        team.memberships = [TeamMember(user_id=users[m].id, joined_at=now) for m in members]
        db.session.add(team)
        teams.append(team)
    db.session.commit()
    return teams
