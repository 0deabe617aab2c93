"""Projects, their planned 到位资金 and the counties' monthly returns for the large campaign (bench/seed_large.py).

`Signings` is called by the campaign for each entry that signed: it draws the entry's projects (most one, a good
share two or three, a few more), sets the entry's own signing fields from them as crm.projects.services.sync_entry
keeps them (the earliest counted signing and milestones, the furthest stage), and remembers the rows. Then it
writes, with the same bulk helper as the rest of the seed:

- projects: the first carries the entry's signing (a counted agreement, landing in the entry's county, rarely in
  another zone); the later ones are signed after it, in any of the four agreement types, 30 % landing in another
  county or zone, a few terminated, never further on than the entry; their dates are drawn so that most are on
  time and some are late to register or to start (the project lights' settings: 40 and 60 working days);
- fund_plans: a planned 到位资金 schedule (2–5 months after signing) for 40 % of the live projects;
- fund_returns: one per county and month that has lines, plus every county's month of the current year up to the
  last one; months before last month are verified, last month's mostly verified (some submitted, returned with a
  reason, or still draft), the current month's drafts; a few verified months carry a reviewed adjustment (seq 1);
- fund_arrivals: the planned months reported in their month (most projects on schedule, a fifth behind it), and a
  few arrivals for the projects without a plan, on the return of the project's landing county and month;
- tasks: the open milestone task (register / start) of each live project that has not reached it.

Events are not written (the seed writes none for entries either).
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from crm.vocab import PROVINCES

# Projects per signed entry and their weights: mean about 1.88.
PER_ENTRY = {1: 52, 2: 26, 3: 14, 4: 4, 5: 2, 6: 1, 10: 1}
MEAN_PER_ENTRY = sum(k * w for k, w in PER_ENTRY.items()) / sum(PER_ENTRY.values())
COUNTED = ("investment", "contract")  # the `signing_agreements` setting's default
FIRST_AGREEMENT = {"contract": 60, "investment": 40}
LATER_AGREEMENT = {"framework": 15, "investment": 35, "contract": 35, "supplement": 15}
PIPELINE = ("signed", "landed", "started", "producing")
DATE_OF = {"signed": "signed_on", "landed": "landed_on", "started": "started_on", "producing": "producing_on"}
PHASES = ["二期", "三期", "配套", "扩建", "研发中心", "智能工厂", "产业园", "总部基地", "技改", "仓储物流"]
TERMINATION = ["企业战略调整，项目取消", "资金链紧张，暂缓实施", "选址变更至省外", "土地指标未落实"]
RETURN_REASON = "附件缺少到账凭证，请补充后重新报送"
ADJUSTMENT_REASON = ["补报漏报项目到位资金", "核减重复填报金额", "更正固定资产投资口径"]
OTHER_PROVINCES = [p for p in PROVINCES if p not in ("山东省", "境外")]


@dataclass
class Signed:
    """One entry's signing as the campaign drew it (the entry's fields and its projects)."""

    entry: int
    region: int
    owner: int
    projects: list[dict] = field(default_factory=list)


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


class Signings:
    def __init__(self, camp, write: bool):
        """`camp` is the seed_large.Campaign; `write` is False on a schema without projects (the previous
        revision): the entries still get their signing fields, and no project rows are kept."""
        self.camp, self.rng, self.today, self.write = camp, camp.rng, camp.today, write
        self.region_ids = [r[0] for r in camp.regions]
        self.zone_weights = [3 if code.startswith("ZONE") else 1 for _, code, _ in camp.regions]
        self.signed: list[Signed] = []
        self.projects: list[dict] = []

    # -- dates --------------------------------------------------------------------------------------------------

    def _ago(self, state: str) -> int:
        """Days since the project reached `state`: mostly recent enough to be on time, some late."""
        rng = self.rng
        if state == "signed":  # yellow after 40 working days (~56 days), red after 60 (~84)
            return rng.choices((rng.randint(0, 55), rng.randint(56, 84), rng.randint(85, 300)), (65, 15, 20))[
                0
            ]
        if state == "landed":  # yellow after 60 working days (~84 days), red after 80 (~112)
            return rng.choices(
                (rng.randint(0, 83), rng.randint(84, 112), rng.randint(113, 250)), (70, 15, 15)
            )[0]
        return rng.randint(0, 250 if state == "started" else 200)

    def _dates(self, state: str, earliest: date) -> dict[str, date | None]:
        """Milestone dates for a project now in `state`, none before `earliest`, none after today."""
        rng, today = self.rng, self.today
        reached = PIPELINE.index(state)
        last = today - timedelta(days=self._ago(state))
        chain = [last]
        for _step in range(reached):  # back from the last milestone to the signing
            chain.insert(0, chain[0] - timedelta(days=rng.randint(10, 90)))
        if chain[0] < earliest:  # too early for this entry: the whole chain moves later, kept in order
            shift = earliest - chain[0]
            chain = [min(today, d + shift) for d in chain]
        dates: dict[str, date | None] = dict.fromkeys(DATE_OF.values())
        for name, day in zip(PIPELINE, chain, strict=False):
            dates[DATE_OF[name]] = day
        return dates

    # -- one entry's projects -----------------------------------------------------------------------------------

    def sign(self, row: dict, state: str, owner: int, earliest: date, stem: str) -> date:
        """Draw the projects of the entry `row` (in `state`, signed no earlier than `earliest`), set the entry's
        signing fields from them, and return the date of its furthest milestone."""
        rng, camp = self.rng, self.camp
        count = rng.choices(list(PER_ENTRY), list(PER_ENTRY.values()))[0]
        signed = Signed(row["id"], row["region_id"], owner)
        first_region = row["region_id"] if rng.random() < 0.92 else self._elsewhere(row["region_id"])
        investment = row["planned_investment"]
        first = self._project(row, stem + "项目", first_region, rng.choices(list(FIRST_AGREEMENT), list(FIRST_AGREEMENT.values()))[0],
                              state, earliest, investment)  # fmt: skip
        if first["landed_on"] is not None:  # the entry's own local entity
            first["landed_uscc"] = f"91371500MA{row['id']:07d}X"[:18]
        signed.projects.append(first)
        for k in range(1, count):
            agreement = rng.choices(list(LATER_AGREEMENT), list(LATER_AGREEMENT.values()))[0]
            top = PIPELINE.index(state)
            later = rng.choices(PIPELINE[: top + 1], (5, 3, 2, 1)[: top + 1])[0]
            if agreement == "framework":
                later = "signed"
            region = row["region_id"] if rng.random() < 0.7 else self._elsewhere(row["region_id"])
            phase = PHASES[(k - 1) % len(PHASES)] if k <= len(PHASES) else f"{k}期"
            planned = int(min(1_500_000, 1000 * 10 ** (rng.random() * 2.7)))
            project = self._project(
                row, f"{stem}{phase}项目", region, agreement, later, first["signed_on"], planned
            )
            if rng.random() < 0.05:
                project["state"] = "terminated"
                project["terminated_reason"] = rng.choice(TERMINATION)
                project["state_changed_at"] = camp.moment_between(project["state_changed_at"], camp.now)
            signed.projects.append(project)
        counted = [p for p in signed.projects if p["agreement"] in COUNTED and p["state"] != "terminated"]
        for name in DATE_OF.values():  # the earliest of the counted projects' dates (sync_entry)
            days = [p[name] for p in counted if p[name]]
            row[name] = min(days) if days else None
        row["contract_amount"] = first["contract_amount"]
        row["landed_uscc"] = next((p["landed_uscc"] for p in counted if p["landed_uscc"]), None)
        self.signed.append(signed)
        if self.write:
            self.projects += signed.projects
        return max(d for d in (first[n] for n in DATE_OF.values()) if d)

    def talks(self, row: dict, owner: int, earliest: date, stem: str) -> None:
        """An entry in negotiation that signed a framework agreement (it does not count: the entry stays)."""
        if not self.write:
            return
        project = self._project(row, stem + "框架合作项目", row["region_id"], "framework", "signed", earliest,
                                row["planned_investment"])  # fmt: skip
        self.signed.append(Signed(row["id"], row["region_id"], owner, [project]))
        self.projects.append(project)

    def _elsewhere(self, region: int) -> int:
        while True:
            other = self.rng.choices(self.region_ids, self.zone_weights)[0]
            if other != region:
                return other

    def _project(self, row: dict, name: str, region: int, agreement: str, state: str, earliest: date,
                 planned: int | None) -> dict:  # fmt: skip
        rng, camp = self.rng, self.camp
        dates = self._dates(state, earliest)
        last = max(d for d in dates.values() if d)
        industry = (
            row["industry_id"]
            if row["industry_id"] and rng.random() < 0.8
            else rng.choice(camp.leaf_industries)
        )
        amount = int((planned or 5000) * rng.uniform(0.5, 1.1))
        return {
            "id": None, "entry_id": row["id"], "name": name[:200], "industry_id": industry,
            "campaign": row["campaign"] if rng.random() < 0.8 else None,
            "mode": row["mode"] if rng.random() < 0.8 else None, "region_id": region,
            "held_region_id": row["region_id"],
            "planned_investment": planned, "agreement": agreement, "contract_amount": amount, "landed_uscc": None,
            **dates, "state": state, "terminated_reason": None, "state_changed_at": camp.at(last, 15),
            "created_by_id": None, "created_at": camp.at(dates["signed_on"], 11),
            "updated_at": camp.at(last, 15), "version": 1,
        }  # fmt: skip

    # -- the rows -----------------------------------------------------------------------------------------------

    def number(self) -> None:
        """Ids in the entries' order, and what depends on them (a later project's credit code, its creator)."""
        for pid, (signed, project) in enumerate(((s, p) for s in self.signed for p in s.projects), start=1):
            project["id"] = pid
            project["created_by_id"] = signed.owner
            if project["landed_on"] is not None and project["landed_uscc"] is None:
                project["landed_uscc"] = f"91371500MB{pid:07d}Y"[:18]

    def project_rows(self) -> Iterator[dict]:
        yield from self.projects

    def plan_rows(self) -> Iterator[dict]:
        """The planned 到位资金 schedule of 40 % of the live projects; `self.plans` keeps it for the arrivals."""
        rng = self.rng
        self.plans: dict[int, list[tuple[date, int]]] = {}
        for project in self.projects:
            if project["state"] == "terminated" or rng.random() >= 0.4:
                continue
            months = rng.randint(2, 5)
            monthly = max(1, int(project["contract_amount"] * rng.uniform(0.2, 0.5) / months))
            month = next_month(month_of(project["signed_on"]))
            schedule = []
            for _m in range(months):
                schedule.append((month, monthly))
                yield {"project_id": project["id"], "month": month, "amount": monthly}
                month = next_month(month)
            self.plans[project["id"]] = schedule

    def _lines(self) -> list[dict]:
        """The arrivals, without their return: planned months reported (a fifth of the planned projects behind
        schedule), and a few months for the projects without a plan."""
        rng, this_month = self.rng, month_of(self.today)
        p_unplanned = {"signed": 0.03, "landed": 0.1, "started": 0.2, "producing": 0.15, "terminated": 0.01}
        lines = []

        def line(project: dict, month: date, amount: int) -> None:
            fixed = max(1, int(amount * rng.uniform(0.6, 0.9)))
            outside = rng.random() < 0.6
            lines.append({
                "entry_id": project["entry_id"], "project_id": project["id"], "region": project["region_id"],
                "arrived_on": month, "fixed_amount": fixed, "other_amount": max(0, amount - fixed),
                "out_of_province": outside, "source_province": rng.choice(OTHER_PROVINCES) if outside else None,
            })  # fmt: skip

        for project in self.projects:
            schedule = self.plans.get(project["id"])
            if schedule:
                behind = rng.random() < 0.2
                for month, amount in schedule:
                    if month > this_month or (month == this_month and rng.random() < 0.7):
                        break
                    if rng.random() < 0.9:
                        line(
                            project,
                            month,
                            int(amount * (rng.uniform(0.3, 0.6) if behind else rng.uniform(0.95, 1.2))),
                        )
                continue
            month = month_of(project["signed_on"])
            while month <= this_month:
                if rng.random() < p_unplanned[project["state"]]:
                    line(project, month, int(project["contract_amount"] * rng.uniform(0.01, 0.06)))
                month = next_month(month)
        return lines

    def returns_and_arrivals(self) -> tuple[list[dict], list[dict]]:
        """The counties' returns (statuses as the module says) and the arrivals pointing at them."""
        rng, camp = self.rng, self.camp
        this_month = month_of(self.today)
        last_month = month_of(this_month - timedelta(days=1))
        lines = self._lines()
        months = {(line["region"], line["arrived_on"]) for line in lines}
        month = date(self.today.year, 1, 1)
        while month < this_month:
            months |= {(region, month) for region in self.region_ids}
            month = next_month(month)
        returns: list[dict] = []
        by_key: dict[tuple[int, date, int], dict] = {}

        def add_return(region: int, month: date, seq: int, status: str, reason: str | None = None) -> dict:
            filed = min(camp.now, camp.at(next_month(month) + timedelta(days=rng.randint(10, 24)), 16))
            ret = {
                "id": len(returns) + 1, "region_id": region, "month": month, "seq": seq, "status": status,
                "reason": reason, "return_reason": RETURN_REASON if status == "returned" else None,
                "created_by_id": camp.heads[region], "submitted_by_id": None, "submitted_at": None,
                "verified_by_id": None, "verified_at": None, "created_at": camp.at(month, 9), "version": 1,
            }  # fmt: skip
            if status != "draft":
                ret["submitted_by_id"], ret["submitted_at"] = camp.heads[region], filed
                ret["version"] = 2
            if status == "verified":
                ret["verified_by_id"] = rng.choice((camp.manager, camp.manager2))
                ret["verified_at"] = min(camp.now, filed + timedelta(hours=rng.randint(2, 96)))
                ret["version"] = 3
            returns.append(ret)
            by_key[(region, month, seq)] = ret
            return ret

        for region, month in sorted(months, key=lambda k: (k[1], k[0])):
            if month == this_month:
                status = "draft"
            elif month == last_month:
                status = rng.choices(("verified", "submitted", "returned", "draft"), (50, 30, 10, 10))[0]
            else:
                status = "verified"
            add_return(region, month, 0, status)
        arrivals = []
        for line in lines:
            ret = by_key[(line.pop("region"), line["arrived_on"], 0)]
            arrivals.append(self._arrival(len(arrivals) + 1, line, ret))
        # A few verified months corrected by an adjustment (most verified again, two awaiting verification).
        by_region = defaultdict(list)
        for project in self.projects:
            by_region[project["region_id"]].append(project)
        verified = [
            r for r in returns if r["status"] == "verified" and r["month"] < last_month and r["seq"] == 0
        ]
        for k, base in enumerate(rng.sample(verified, min(10, len(verified)))):
            status = "submitted" if k < 2 else "verified"
            adj = add_return(base["region_id"], base["month"], 1, status, rng.choice(ADJUSTMENT_REASON))
            candidates = [
                p for p in by_region[base["region_id"]] if month_of(p["signed_on"]) <= base["month"]
            ]
            for project in rng.sample(candidates, min(len(candidates), rng.randint(1, 4))):
                amount = int(project["contract_amount"] * rng.uniform(0.005, 0.02)) * rng.choice((1, -1)) or 1
                line = {"entry_id": project["entry_id"], "project_id": project["id"], "arrived_on": base["month"],
                        "fixed_amount": amount, "other_amount": 0, "out_of_province": False,
                        "source_province": None}  # fmt: skip
                arrivals.append(self._arrival(len(arrivals) + 1, line, adj))
        return returns, arrivals

    def _arrival(self, aid: int, line: dict, ret: dict) -> dict:
        camp = self.camp
        return {
            "id": aid, **line, "return_id": ret["id"], "note": None, "attachment_name": None,
            "attachment_path": None, "created_by_id": ret["created_by_id"],
            "created_at": min(camp.now, camp.at(next_month(line["arrived_on"]) + timedelta(days=5), 10)),
        }  # fmt: skip

    def milestone_tasks(self, first_id: int) -> Iterator[dict]:
        """The open milestone task of each live project not yet registered or started (crm.projects.services:
        due 40 / 60 working days after the previous milestone, here 56 / 84 calendar days)."""
        tid = first_id
        for project in self.projects:
            if project["state"] == "signed":
                title, since, days = "办理注册落地", project["signed_on"], 56
            elif project["state"] == "landed":
                title, since, days = "推动项目开工", project["landed_on"], 84
            else:
                continue
            tid += 1
            entry = project["entry_id"]
            yield {
                "id": tid, "entry_id": entry, "project_id": project["id"], "title": f"{title}：{project['name']}"[:200],
                "owner_id": project["created_by_id"],
                "due_date": since + timedelta(days=days), "status": "open", "notes": None, "kind": "project",
                "evidence": None, "sort": 0, "completed_at": None, "completed_by_id": None, "log_id": None,
                "created_at": self.camp.at(since, 9), "version": 1,
            }  # fmt: skip
