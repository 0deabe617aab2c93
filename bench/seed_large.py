"""A large, realistic campaign for the dashboard benchmark (bench/dashboard.py), written with bulk inserts.

    seed(entries=100_000, logs=1_000_000, today=...) -> dict of rows written per table

It expects a freshly migrated schema holding the reference data only (`seed_reference()`): regions, the industry
tree, category tags and the plan template. Ids are assigned here (the tables are empty), so no row is read back;
PostgreSQL's sequences are moved past them at the end. PostgreSQL is written with COPY (psycopg's cursor.copy),
SQLite with SQLAlchemy Core executemany in batches of 10,000. Everything derives from one seeded random generator
and is placed relative to `today` and the clock, so two runs write the same distribution (a few rows differ, as the
date ranges the generator draws from shift with the clock).

The shape, per 100,000 entries: about 1,000 users (2 managers, a county head per region, 200 teams of a lead and
four members), 100,000 enterprises (a quarter without a credit code, 30 % with one or two category tags), entries
spread over the regions and the pipeline (most whitelisted … negotiating; about 12 % signed or beyond with their
dates in the current year; some paused and dropped; a few proposals), three plan steps per target a team works
(some overdue, so that about 15 % of the worked targets are red and 15 % yellow), 20,000 fund arrivals, 督办
escalations on the red targets' late steps (half acknowledged), and the contact logs over the current year.
"""

import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Column, Connection, MetaData, Table, inspect, select, text
from werkzeug.security import generate_password_hash

from bench.seed_projects import MEAN_PER_ENTRY, Signings
from crm.auth.models import User
from crm.enterprises.models import Enterprise, EnterpriseCategory
from crm.enterprises.names import name_key, normalise_name, pinyin_initials
from crm.extensions import db
from crm.plans.models import ContactLog, FundArrival, Task
from crm.projects import standing
from crm.projects.models import FundPlan, FundReturn, Project
from crm.refdata.models import CategoryTag, Industry, Region
from crm.reminders.models import Escalation
from crm.teams.models import Team, TeamIndustry, TeamMember
from crm.vocab import CAMPAIGNS, CONTACT_KINDS, MODES, State
from crm.whitelist.models import WhitelistEntry

PASSWORD = "bench-pass-2026"
MANAGER = "bench_manager"
HEAD_CODE = "371502"  # 东昌府区: the county head the benchmark logs in as
HEAD = f"head_{HEAD_CODE}"
BATCH = 10_000
CHECK_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Share of the entries in each state (per cent).
STATES = {
    State.PROPOSED: 3,
    State.RETURNED: 1,
    State.WHITELISTED: 20,
    State.ASSIGNED: 15,
    State.CONTACTING: 25,
    State.NEGOTIATING: 15,
    State.SIGNED: 6,
    State.LANDED: 3,
    State.STARTED: 2,
    State.PRODUCING: 1,
    State.PAUSED: 5,
    State.DROPPED: 4,
}
ORDER = list(STATES)  # the pipeline order, paused and dropped last
PROJECTS_PER_ENTRY = 1.5  # the default number of projects: 150,000 for 100,000 entries
TEAMED = {State.ASSIGNED, State.CONTACTING, State.NEGOTIATING, State.SIGNED, State.LANDED, State.STARTED,
          State.PRODUCING}  # fmt: skip
WORKING = TEAMED - {State.PRODUCING}  # crm.vocab.WORKING_STATES: the targets that carry a light
SIGNED = {State.SIGNED, State.LANDED, State.STARTED, State.PRODUCING}
KIND_WEIGHTS = {"phone": 35, "video": 10, "visit": 25, "inbound": 10, "fair": 8, "signing": 2, "other": 10}
STEPS = (
    ("首次对接", 7),
    ("上门拜访", 28),
    ("邀请来聊考察", 42),
)  # (title, calendar days after the plan start)

PLACES = ["北京", "上海", "天津", "重庆", "深圳", "广州", "杭州", "南京", "苏州", "无锡", "宁波", "青岛", "济南",
          "烟台", "潍坊", "淄博", "郑州", "武汉", "长沙", "成都", "西安", "合肥", "厦门", "福州", "大连", "沈阳",
          "哈尔滨", "长春", "石家庄", "太原", "南昌", "昆明", "贵阳", "南宁", "海口", "兰州", "银川", "西宁",
          "呼和浩特", "乌鲁木齐"]  # fmt: skip
CORES = ["华夏", "中联", "恒信", "远航", "瑞丰", "东方", "金桥", "宏图", "新元", "天成", "博远", "鼎盛", "国泰",
         "永安", "安泰", "嘉华", "聚力", "宇通", "正大", "锦程", "长城", "海纳", "创新", "卓越", "鸿运", "同创",
         "汇通", "华光", "晨光", "蓝海", "星河", "凯达", "普惠", "立信", "润泽", "中科", "联合", "协鑫", "信达",
         "泰和", "新航", "明德", "九州", "中兴", "天润", "三元", "世纪", "银河", "万向", "和信"]  # fmt: skip
TRADES = ["精密机械", "新材料", "新能源", "汽车零部件", "轴承", "生物医药", "电子科技", "智能装备", "化工",
          "食品", "纺织", "建材", "物流", "信息技术", "环保科技", "冶金", "光电", "储能", "半导体", "医疗器械",
          "农业科技", "航空科技", "氢能科技", "数字科技", "机器人", "铝业", "钢铁", "纸业", "药业", "电气"]  # fmt: skip
QUALIFIERS = ["", "实业", "科技发展"]
FORMS = ["有限公司", "股份有限公司", "集团有限公司"]


def entry_states(projects: int, entries: int) -> dict[State, float]:
    """The share of the entries in each state: STATES, or with `projects` to hold, as many signed entries as they
    need (at bench/seed_projects.MEAN_PER_ENTRY projects each, at most 90 %), the other states shrunk in
    proportion. 150,000 projects on 100,000 entries make about 80 % of the entries signed or beyond."""
    if not projects:
        return dict(STATES)
    share = min(0.9, projects / (entries * MEAN_PER_ENTRY))
    signed_total = sum(STATES[s] for s in SIGNED)
    rest_total = sum(w for s, w in STATES.items() if s not in SIGNED)
    return {
        s: (w / signed_total * share if s in SIGNED else w / rest_total * (1 - share))
        for s, w in STATES.items()
    }


def _bulk(conn: Connection, table: Table, rows: Iterable[dict]) -> int:
    """Write `rows` (dicts with the same keys) to `table`: COPY on PostgreSQL, executemany batches on SQLite."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    columns = list(first)
    written = 0
    if conn.dialect.name == "postgresql":
        names = ", ".join(f'"{c}"' for c in columns)
        raw = conn.connection.driver_connection  # the psycopg connection, inside the same transaction
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in itertools.chain([first], rows):
                copy.write_row([row[c] for c in columns])
                written += 1
        return written
    batch = [first]
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            conn.execute(table.insert(), batch)
            written, batch = written + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        written += len(batch)
    return written


def _reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'(SELECT coalesce(max(id), 0) + 1 FROM "{table.name}"), false)'
            )
        )


class Campaign:
    """The generator: reference ids read once, then one pass per table."""

    def __init__(self, entries: int, logs: int, today: date, seed: int = 2026, projects: int = 0,
                 write_projects: bool = True):  # fmt: skip
        self.n_entries, self.n_logs, self.n_projects = entries, logs, projects
        self.rng = random.Random(seed)
        self.zone = ZoneInfo(current_app.config["TIMEZONE"])
        self.today = today
        self.now = datetime.now(UTC)
        self.year_start = datetime.combine(date(today.year, 1, 1), time(), self.zone).astimezone(UTC)
        regions = db.session.execute(select(Region.id, Region.code, Region.name, Region.kind)).all()
        self.regions = [(r.id, r.code, r.name) for r in regions]
        # 东昌府区 and the development zone carry more targets than the smaller counties.
        self.region_weights = [3 if r.code in (HEAD_CODE, "ZONE-ETDZ") else 2 if r.kind == "county" else 1
                               for r in regions]  # fmt: skip
        industries = db.session.execute(select(Industry.id, Industry.parent_id)).all()
        self.leaf_industries = [i.id for i in industries if i.parent_id is not None]
        self.root_industries = [i.id for i in industries if i.parent_id is None]
        self.tags = db.session.execute(select(CategoryTag.id, CategoryTag.group, CategoryTag.has_rank)).all()
        # With projects: the entries' signings come from their projects (bench/seed_projects.py).
        self.signings = Signings(self, write_projects) if projects else None
        self.stems: list[str] = [""]  # the enterprise's name without its legal form, by id (project names)

    # -- helpers ------------------------------------------------------------------------------------------------

    def moment_between(self, start: datetime, end: datetime) -> datetime:
        span = max((end - start).total_seconds(), 1)
        return start + timedelta(seconds=self.rng.random() * span)

    def local(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def day_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def at(self, day: date, hour: int = 10) -> datetime:
        return datetime.combine(day, time(hour), self.zone).astimezone(UTC)

    # -- people and teams ---------------------------------------------------------------------------------------

    def users_and_teams(self) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
        cheap = generate_password_hash(PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])
        users: list[dict] = []

        def user(username: str, name: str, role: str, region: int | None) -> int:
            uid = len(users) + 1
            users.append({"id": uid, "username": username, "full_name": name, "password_hash": cheap, "role": role,
                          "region_id": region, "email": f"{username}@bench.example.cn", "phone": None,
                          "is_active": True, "created_at": self.now})  # fmt: skip
            return uid

        self.manager = user(MANAGER, "基准测试局领导", "manager", None)
        self.manager2 = user("bench_manager2", "基准测试局领导二", "manager", None)
        user("bench_admin", "基准测试管理员", "admin", None)
        self.heads = {
            rid: user(f"head_{code}", f"{name}负责人", "county_head", rid) for rid, code, name in self.regions
        }
        # 200 teams: ten city-wide, the rest shared among the regions by weight.
        total = 200
        city_wide = 10
        per_region = Counter(
            self.rng.choices([r[0] for r in self.regions], self.region_weights, k=total - city_wide)
        )
        teams, members, team_industries = [], [], []
        self.region_teams: dict[int | None, list[int]] = defaultdict(list)
        self.team_people: dict[int, list[int]] = {}
        self.team_leader: dict[int, int] = {}
        plan = [(None, "市级", city_wide)] + [(rid, name, per_region[rid]) for rid, _, name in self.regions]
        for region, label, count in plan:
            for k in range(1, count + 1):
                tid = len(teams) + 1
                lead = user(f"lead_{tid}", f"{label}{k}队队长", "lead", region)
                people = [lead] + [
                    user(f"member_{tid}_{m}", f"{label}{k}队队员{m}", "member", region) for m in range(4)
                ]
                teams.append({"id": tid, "name": f"{label}攻坚{k}队", "region_id": region, "leader_id": lead,
                              "senior_leader": None, "capacity": None, "webhook_url": None, "active": True,
                              "created_at": self.now})  # fmt: skip
                members += [{"id": len(members) + i + 1, "team_id": tid, "user_id": uid, "joined_at": self.now}
                            for i, uid in enumerate(people[1:])]  # fmt: skip
                for industry in self.rng.sample(self.leaf_industries, self.rng.randint(1, 2)):
                    team_industries.append({"team_id": tid, "industry_id": industry})
                self.region_teams[region].append(tid)
                self.team_people[tid] = people
                self.team_leader[tid] = lead
        self.proposers = {rid: [self.heads[rid]] + [p for t in self.region_teams[rid] for p in self.team_people[t]]
                          for rid, _, _ in self.regions}  # fmt: skip
        return users, teams, members, team_industries

    # -- enterprises, categories and entries --------------------------------------------------------------------

    def enterprises(self) -> Iterator[dict]:
        """Unique names (and normalised names) from place × core × trade × qualifier, with a random legal form."""
        parts = list(itertools.product(PLACES, CORES, TRADES, QUALIFIERS))  # 180,000 distinct stems
        self.rng.shuffle(parts)
        initials: dict[str, str] = {}

        def pinyin(part: str) -> str:
            if part not in initials:
                initials[part] = pinyin_initials(part)
            return initials[part]

        for i in range(1, self.n_entries + 1):
            form = self.rng.choice(FORMS)
            words = (*parts[i - 1], form) if i <= len(parts) else ("基准测试企业", str(i), form)
            name = "".join(words)
            self.stems.append("".join(words[:-1]))
            yield {
                "id": i, "name": name, "name_key": name_key(name), "name_en": None, "name_norm": normalise_name(name),
                "name_initials": "".join(pinyin(w) for w in words)[:64],
                "uscc": None if self.rng.random() < 0.25 else f"913715{i:011d}{self.rng.choice(CHECK_CHARS)}",
                "hq": None, "parent_id": self.rng.randint(1, i - 1) if i > 100 and self.rng.random() < 0.03 else None,
                "industry_id": self.rng.choice(self.leaf_industries), "website": None, "notes": None,
                "created_by_id": None, "created_at": self.year_start - timedelta(days=200), "updated_at": self.now,
                "version": 1,
            }  # fmt: skip

    def categories(self) -> Iterator[dict]:
        weights = {"top500": 3, "soe": 1, "multinational": 1, "leader": 2, "growth": 4, "other": 1}
        tag_weights = [weights.get(t.group, 1) for t in self.tags]
        for ent in range(1, self.n_entries + 1):
            if self.rng.random() >= 0.30:
                continue
            chosen = {
                self.rng.choices(self.tags, tag_weights)[0] for _ in range(self.rng.choice((1, 1, 1, 2)))
            }
            for tag in chosen:
                yield {"enterprise_id": ent, "tag_id": tag.id, "rank": self.rng.randint(1, 500) if tag.has_rank else None,
                       "list_year": self.today.year - 1 if tag.has_rank else None}  # fmt: skip

    def entries(self) -> Iterator[dict]:
        """One entry per enterprise; also remembers what the later tables need (teams, owners, dates, lights)."""
        rng, now, today = self.rng, self.now, self.today
        region_ids = [r[0] for r in self.regions]
        shares = entry_states(self.n_projects, self.n_entries)
        states = rng.choices(ORDER, [shares[s] for s in ORDER], k=self.n_entries)
        self.worked: list[tuple] = []  # (entry, owner, team, plan_start, light, state)
        self.signed: list[tuple] = []  # (entry, owner, signed_on, amount)
        self.loggable: list[tuple[int, int]] = []  # (entry, owner)
        earliest = self.year_start - timedelta(days=240)
        for i, state in enumerate(states, start=1):
            region = rng.choices(region_ids, self.region_weights)[0]
            investment = (
                None if rng.random() < 0.05 else int(min(2_000_000, 500 * 10 ** (rng.random() * 3.6)))
            )
            submitted = self.moment_between(earliest, now - timedelta(days=2))
            row = {
                "id": i, "enterprise_id": i, "region_id": region,
                "industry_id": None if rng.random() < 0.05 else rng.choice(
                    self.leaf_industries if rng.random() < 0.9 else self.root_industries),
                "campaign": None if rng.random() < 0.2 else rng.choice(list(CAMPAIGNS)),
                "mode": None if rng.random() < 0.25 else rng.choice(list(MODES)),
                "planned_investment": investment, "summary": None, "priority": rng.choice((1, 2, 2, 3)),
                "state": state.value, "state_before_pause": None, "review_stage": None,
                "conflict": rng.random() < 0.01, "team_id": None, "owner_id": None, "conflict_note": None,
                "lookalike_ids": None, "proposer_id": rng.choice(self.proposers[region]), "plan_start": None,
                "last_contact_at": None, "signed_on": None, "contract_amount": None, "landed_on": None,
                "landed_uscc": None, "started_on": None, "producing_on": None, "submitted_at": submitted,
                "whitelisted_at": None, "state_changed_at": submitted, "created_at": submitted,
                "updated_at": submitted, "version": 1,
            }  # fmt: skip
            if state in (State.PROPOSED, State.RETURNED):
                row["review_stage"] = rng.choice(("county", "city")) if state == State.PROPOSED else None
                yield row
                continue
            whitelisted = min(submitted + timedelta(days=rng.uniform(1, 20)), now - timedelta(hours=1))
            row["whitelisted_at"] = row["state_changed_at"] = row["updated_at"] = whitelisted
            effective = state
            if state == State.PAUSED:
                effective = rng.choice((State.ASSIGNED, State.CONTACTING, State.NEGOTIATING))
                row["state_before_pause"] = effective.value
            elif state == State.DROPPED:
                effective = rng.choice((State.WHITELISTED, State.ASSIGNED, State.CONTACTING))
            has_team = effective in TEAMED
            if has_team:
                team = rng.choice(
                    self.region_teams[region] if rng.random() < 0.9 else self.region_teams[None]
                )
                owner = rng.choice(self.team_people[team])
                plan_start = self.day_between(self.local(whitelisted), today)
                row.update(team_id=team, owner_id=owner, plan_start=plan_start)
                moved = self.at(plan_start, 9)
                if effective != State.ASSIGNED:
                    self.loggable.append((i, owner))
            if state in SIGNED and self.signings:
                last = self.signings.sign(row, state.value, owner, max(self.local(whitelisted), plan_start),
                                          self.stems[i])  # fmt: skip
                self.signed.append((i, owner, row["signed_on"], row["contract_amount"]))
                moved = self.at(last, 15)
            elif state in SIGNED:
                signed_on = self.day_between(
                    max(self.local(whitelisted), plan_start), today - timedelta(days=1)
                )
                amount = int((investment or 5000) * rng.uniform(0.5, 1.1))
                row.update(signed_on=signed_on, contract_amount=amount)
                self.signed.append((i, owner, signed_on, amount))
                last = signed_on
                if state in (State.LANDED, State.STARTED, State.PRODUCING):
                    last = row["landed_on"] = min(today, signed_on + timedelta(days=rng.randint(10, 120)))
                    row["landed_uscc"] = f"91371500MA{i:07d}X"[:18]
                if state in (State.STARTED, State.PRODUCING):
                    last = row["started_on"] = min(today, last + timedelta(days=rng.randint(10, 90)))
                if state == State.PRODUCING:
                    last = row["producing_on"] = min(today, last + timedelta(days=rng.randint(20, 150)))
                moved = self.at(last, 15)
            if state == State.NEGOTIATING and self.signings and rng.random() < 0.05:
                self.signings.talks(row, owner, max(self.local(whitelisted), plan_start), self.stems[i])
            if has_team:
                light = None
                if state in WORKING:
                    # green: on plan; yellow: a step 3-9 working days late; red: a step 10+ working days late,
                    # or (silent) no contact for 15+ working days.
                    light = rng.choices(("green", "yellow", "red", "silent"), (70, 15, 9, 6))[0]
                    if state == State.ASSIGNED:
                        # No contact yet: the silence counts from the plan start.
                        back = rng.randint(25, 60) if light == "silent" else rng.randint(0, 12)
                        row["plan_start"] = plan_start = today - timedelta(days=back)
                    else:
                        ago = rng.uniform(25, 120) if light == "silent" else rng.uniform(0, 10)
                        row["last_contact_at"] = now - timedelta(days=ago)
                elif rng.random() < 0.8:
                    row["last_contact_at"] = self.moment_between(moved, now)
                self.worked.append((i, owner, team, plan_start, light, state))
                row["state_changed_at"] = row["updated_at"] = min(max(moved, whitelisted), now)
            if state in (State.PAUSED, State.DROPPED):
                row["state_changed_at"] = row["updated_at"] = self.moment_between(
                    row["state_changed_at"], now
                )
            elif not has_team:
                row["state_changed_at"] = row["updated_at"] = whitelisted
            yield row

    # -- plans, escalations, funds, logs ------------------------------------------------------------------------

    def tasks(self) -> Iterator[dict]:
        """Three plan steps per teamed entry: past steps done, except a late one for the yellow and red targets."""
        rng, today = self.rng, self.today
        self.late: list[tuple] = []  # (task, entry, team, days late): the red steps, for escalations
        tid = 0
        for entry, owner, team, plan_start, light, state in self.worked:
            late_step = None
            if light in ("yellow", "red"):
                late_step = rng.randrange(len(STEPS))
                late_by = rng.randint(6, 11) if light == "yellow" else rng.randint(16, 90)
            for sort, (title, offset) in enumerate(STEPS):
                tid += 1
                due = plan_start + timedelta(days=offset)
                done = state not in WORKING or due < today - timedelta(days=2)
                if late_step is not None:
                    if sort == late_step:
                        due, done = today - timedelta(days=late_by), False
                        if light == "red":
                            self.late.append((tid, entry, team, late_by))
                    elif sort > late_step:
                        done = False
                        due = max(due, today + timedelta(days=sort * 7))
                yield {
                    "id": tid, "entry_id": entry, "title": title, "owner_id": owner if sort < 2 else self.team_leader[team],
                    "due_date": due, "status": "done" if done else "open", "notes": None, "kind": "step",
                    "evidence": "visit" if title == "上门拜访" else "inbound" if sort == 2 else "any", "sort": sort,
                    "completed_at": self.at(min(due, today), 16) if done else None,
                    "completed_by_id": owner if done else None, "log_id": None, "created_at": self.at(plan_start, 9),
                    "version": 1,
                }  # fmt: skip

    def escalations(self, region_of_team: dict[int, int | None]) -> Iterator[dict]:
        eid = 0
        for task, entry, team, late_by in self.late:
            levels = [("lead", "blue", self.team_leader[team])]
            if late_by > 30:
                region = region_of_team[team]
                levels.append(("county", "yellow", self.heads[region] if region else self.manager))
            if late_by > 60:
                levels.append(("city", "red", self.manager))
            for level, severity, recipient in levels:
                eid += 1
                created = self.now - timedelta(days=self.rng.uniform(0, late_by / 2))
                yield {"id": eid, "task_id": task, "entry_id": entry, "level": level, "severity": severity,
                       "recipient_id": recipient, "overdue_days": late_by, "created_at": created,
                       "acknowledged_at": created + timedelta(hours=5) if self.rng.random() < 0.5 else None,
                       "note": None}  # fmt: skip

    def funds(self) -> Iterator[dict]:
        """Arrivals by entry, as before projects: the previous revision's schema (with projects, the returns'
        arrivals come from bench/seed_projects.py)."""
        target = self.n_entries // 5 if not self.signings else len(self.signed)
        if not self.signed or (self.signings and self.signings.write):
            return
        for fid in range(1, target + 1):
            entry, owner, signed_on, amount = self.rng.choice(self.signed)
            fixed = int(amount * self.rng.uniform(0.02, 0.2))
            yield {"id": fid, "entry_id": entry, "arrived_on": self.day_between(signed_on, self.today),
                   "fixed_amount": fixed, "other_amount": int(fixed * self.rng.uniform(0, 0.3)), "note": None,
                   "created_by_id": owner, "created_at": self.now}  # fmt: skip

    def logs(self) -> Iterator[dict]:
        if not self.loggable:
            return
        kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        assert set(kinds) <= set(CONTACT_KINDS)
        span = (self.now - self.year_start).total_seconds()
        rng = self.rng
        for lid in range(1, self.n_logs + 1):
            entry, owner = self.loggable[
                int(len(self.loggable) * rng.random() ** 1.5)
            ]  # some targets see more
            occurred = self.year_start + timedelta(seconds=rng.random() * span)
            kind = rng.choices(kinds, weights)[0]
            yield {"id": lid, "entry_id": entry, "occurred_at": occurred, "kind": kind,
                   "summary": f"{CONTACT_KINDS[kind]}：沟通项目进展与下一步安排（第{lid}条）", "outcome": None,
                   "next_step": None, "next_date": None, "attachment_name": None, "attachment_path": None,
                   "attachment_size": None, "created_by_id": owner, "created_at": occurred}  # fmt: skip


def _writable(conn: Connection, model) -> Table:
    """The model's table as the database has it: only the columns it holds (the previous revision lacks the
    projects' columns), and without the models' Python defaults, so a row writes exactly the keys it has."""
    have = {c["name"] for c in inspect(conn).get_columns(model.__table__.name)}
    columns = [
        Column(c.name, c.type, primary_key=c.primary_key) for c in model.__table__.columns if c.name in have
    ]
    return Table(model.__table__.name, MetaData(), *columns)


def seed(entries: int, logs: int, today: date, progress=print, projects: int | None = None) -> dict[str, int]:
    """Write the campaign in one transaction; returns the rows written per table.

    `projects` (default 1.5 per entry; 0 for the campaign as it was before projects) sets how many entries sign
    (bench/seed_projects.py). On a schema without the projects table (the revision before them) the entries
    get the same signings, and their 到位资金 is written by entry, as that revision kept it."""
    if projects is None:
        projects = round(entries * PROJECTS_PER_ENTRY)
    db.session.commit()
    with db.engine.connect() as conn:
        has_projects = inspect(conn).has_table(Project.__tablename__)
    camp = Campaign(entries, logs, today, projects=projects, write_projects=has_projects)
    db.session.remove()  # the reference data is read; the writes go through one connection of their own
    written: dict[str, int] = {}
    with db.engine.begin() as conn:

        def put(model, rows) -> None:
            table = _writable(conn, model)
            written[table.name] = written.get(table.name, 0) + _bulk(conn, table, rows)
            progress(f"  {table.name}: {written[table.name]:,}")

        users, teams, members, team_industries = camp.users_and_teams()
        put(User, users)
        put(Team, teams)
        put(TeamMember, members)
        put(TeamIndustry, team_industries)
        put(Enterprise, camp.enterprises())
        put(EnterpriseCategory, camp.categories())
        put(WhitelistEntry, camp.entries())
        sequenced = [
            User,
            Team,
            TeamMember,
            Enterprise,
            WhitelistEntry,
            Task,
            Escalation,
            FundArrival,
            ContactLog,
        ]
        signings = camp.signings
        if signings and signings.write:
            signings.number()
            put(Project, signings.project_rows())
            put(FundPlan, signings.plan_rows())
            returns, arrivals = signings.returns_and_arrivals()
            put(FundReturn, returns)
            put(FundArrival, arrivals)
            sequenced += [Project, FundReturn]
        put(Task, camp.tasks())
        if signings and signings.write:
            put(Task, signings.milestone_tasks(written["tasks"]))
        put(Escalation, camp.escalations({t["id"]: t["region_id"] for t in teams}))
        put(FundArrival, camp.funds())
        put(ContactLog, camp.logs())
        _reset_sequences(conn, [m.__table__ for m in sequenced])
    if signings and signings.write and _has_column(Project.__tablename__, "funds_behind_from"):
        # Each project's 到位资金 standing, as the services keep it (crm.projects.standing).
        started = perf_counter()
        standing.refresh()
        db.session.commit()
        progress(f"  projects' funds standing: {perf_counter() - started:.1f} s")
    return written


def _has_column(table: str, column: str) -> bool:
    with db.engine.connect() as conn:
        return any(c["name"] == column for c in inspect(conn).get_columns(table))


def analyze() -> None:
    """Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would leave them."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
