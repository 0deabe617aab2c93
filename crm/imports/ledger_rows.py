"""The dry run of the 项目台账 (projects) and 月度到位资金 (arrivals) imports: each row is read, matched to a target or
project the importer may see, and checked against the rules crm.projects.services.add_project and
crm.projects.returns.add_arrival apply, so a row that passes here is written by the commit (and a refusal there
still rolls the whole file back). Targets, projects and returns are read once per file, not per row."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.enterprises.names import clean_uscc, normalise_name, uscc_error
from crm.extensions import db
from crm.imports import values
from crm.imports.columns import columns_for
from crm.imports.reader import Table
from crm.imports.rows import CREATE, DUPLICATE, REJECT, RowResult, _code
from crm.plans import policy
from crm.plans.models import FundArrival
from crm.projects import returns
from crm.projects.models import Project
from crm.projects.services import PROJECT_ENTRY_STATES, ProjectData
from crm.refdata.models import Industry, Region
from crm.scope import entry_scope, project_scope
from crm.vocab import CAMPAIGNS, MODES, STATE_LABELS
from crm.whitelist.models import WhitelistEntry

KINDS = ("projects", "arrivals")
CHUNK = 900  # values per IN (…): well inside SQLite's limit on bound parameters


@dataclass
class LedgerRow(RowResult):
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    entry_id: int | None = None
    project: ProjectData | None = None  # projects: what add_project gets
    project_id: int | None = None  # arrivals: the project the line is for
    arrival: returns.ArrivalData | None = None

    def reject(self, key: str, message: str) -> None:
        self.errors.append((self.headers.get(key, key), message))
        self.action = REJECT

    def read(self, cells: dict[str, str], key: str, reader, *args):
        """`reader` applied to the cell; its ValueError becomes this row's rejection, naming the column."""
        try:
            return reader(cells.get(key, ""), *args)
        except ValueError as error:
            self.reject(key, str(error))
            return None


def _chunks(items: set) -> list[list]:
    items = sorted(items)
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def check_file(
    actor: User, table: Table, mapping: dict[str, int | None], kind: str, today: date
) -> tuple[list[LedgerRow], list[str]]:
    """(the rows with what each will do, the headers of required columns the mapping lacks)."""
    columns = columns_for(kind)
    missing = [c.header for c in columns if c.required and mapping.get(c.key) is None]
    if kind == "projects" and mapping.get("enterprise") is None and mapping.get("uscc") is None:
        missing.insert(0, _("%(a)s or %(b)s", a="企业名称", b="统一社会信用代码"))
    if kind == "arrivals" and mapping.get("fixed") is None and mapping.get("other") is None:
        missing.append(_("%(a)s or %(b)s", a="固定资产投资(万元)", b="其他(万元)"))
    if missing:
        return [], missing
    headers = {c.key: c.header for c in columns}
    cells = [
        (number, {k: row[i].strip() for k, i in mapping.items() if i is not None and i < len(row)})
        for number, row in table.rows
    ]
    if kind == "projects":
        checker = ProjectRows(actor, [c for _n, c in cells], today)
    else:
        checker = ArrivalRows(actor, [c for _n, c in cells], today)
    return [checker.check(LedgerRow(number, "", headers=headers), row) for number, row in cells], []


def _industries() -> dict[str, int]:
    rows = db.session.execute(select(Industry.name, Industry.id).where(Industry.active.is_(True))).all()
    return {values.compact(name): i for name, i in rows}


class ProjectRows:
    """项目台账 rows: the target (by credit code or name, and the proposing county when it has several), the
    project, where it lands, its agreement, date and amounts."""

    def __init__(self, actor: User, rows: list[dict[str, str]], today: date) -> None:
        self.actor, self.today = actor, today
        regions = db.session.execute(select(Region.code, Region.name, Region.kind, Region.id)
                                     .where(Region.active.is_(True))).all()  # fmt: skip
        self.regions = values.RegionNames(regions)
        self.industries = _industries()
        usccs = {clean_uscc(r.get("uscc")) for r in rows} - {None}
        typed = {r.get("enterprise", "") for r in rows} - {""}
        names = typed | {values.compact(n) for n in typed}
        norms = {normalise_name(n) for n in typed} - {""}
        entries: dict[int, WhitelistEntry] = {}
        for key, wanted in (
            (Enterprise.uscc, usccs),
            (Enterprise.name, names),
            (Enterprise.name_norm, norms),
        ):
            for chunk in _chunks(wanted):
                query = (select(WhitelistEntry).join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
                         .where(entry_scope(actor), key.in_(chunk)))  # fmt: skip
                entries.update((e.id, e) for e in db.session.scalars(query))
        self.entries = defaultdict(list)  # enterprise id → its visible entries
        self.by_uscc, self.by_name, self.by_norm = {}, defaultdict(set), defaultdict(set)
        for entry in sorted(entries.values(), key=lambda e: e.id):
            enterprise = entry.enterprise
            self.entries[enterprise.id].append(entry)
            if enterprise.uscc:
                self.by_uscc[enterprise.uscc] = enterprise.id
            self.by_name[values.compact(enterprise.name)].add(enterprise.id)
            self.by_norm[enterprise.name_norm].add(enterprise.id)
        self.existing: dict[tuple[int, str], str] = {}
        for chunk in _chunks(set(entries)):
            for entry_id, name in db.session.execute(
                select(Project.entry_id, Project.name).where(Project.entry_id.in_(chunk))
            ):
                self.existing.setdefault((entry_id, values.project_key(name)), name)
        self.seen: dict[tuple[int, str], int] = {}
        self.allowed: dict[int, bool] = {}

    def _enterprise(self, row: LedgerRow, cells: dict[str, str]) -> int | None:
        uscc, name = clean_uscc(cells.get("uscc")), cells.get("enterprise", "")
        by_code = None
        if uscc:
            if error := uscc_error(uscc):
                row.reject("uscc", error)
                return None
            by_code = self.by_uscc.get(uscc)
            if by_code is None:
                row.reject(
                    "uscc", _("No whitelist target you can see has the credit code %(code)s.", code=uscc)
                )
                return None
        if not name:
            if by_code is None:
                row.reject("enterprise", _("Give the enterprise's name or its credit code."))
            return by_code
        found = self.by_name.get(values.compact(name)) or self.by_norm.get(normalise_name(name), set())
        if by_code is not None:
            if found and by_code not in found:
                row.reject("uscc", _("The credit code %(code)s belongs to another enterprise than %(name)s.",
                                     code=uscc, name=name))  # fmt: skip
                return None
            return by_code
        if not found:
            row.reject("enterprise", _("No whitelist target you can see is called %(name)s.", name=name))
            return None
        if len(found) > 1:
            row.reject("enterprise", _("Several enterprises are called like %(name)s: give the credit code.",
                                       name=name))  # fmt: skip
            return None
        return next(iter(found))

    def _entry(self, row: LedgerRow, cells: dict[str, str], enterprise_id: int) -> WhitelistEntry | None:
        entries = self.entries[enterprise_id]
        if cells.get("county"):
            region_id = self.regions.find(cells["county"])
            if region_id is None:
                row.reject("county", _("No county or zone called %(name)s.", name=cells["county"]))
                return None
            entries = [e for e in entries if e.region_id == region_id]
            if not entries:
                row.reject("county", _("%(name)s is not a target of %(county)s that you can see.",
                                       name=self.entries[enterprise_id][0].enterprise.name,
                                       county=self.regions.names[region_id]))  # fmt: skip
                return None
        elif len(entries) > 1:
            working = [e for e in entries if e.state in PROJECT_ENTRY_STATES]
            if len(working) != 1:
                row.reject("county", _("%(name)s is a target of %(counties)s: say which county proposed it.",
                                       name=entries[0].enterprise.name,
                                       counties="、".join(e.region.name for e in entries)))  # fmt: skip
                return None
            entries = working
        return entries[0]

    def check(self, row: LedgerRow, cells: dict[str, str]) -> LedgerRow:
        row.name = " · ".join(
            p for p in (cells.get("enterprise") or cells.get("uscc"), cells.get("project")) if p
        )
        entry = None
        if (enterprise_id := self._enterprise(row, cells)) is not None:
            entry = self._entry(row, cells, enterprise_id)
        if entry is not None:
            if entry.state not in PROJECT_ENTRY_STATES:
                row.reject("enterprise", _("%(name)s is at %(state)s: projects are added once the target is in "
                                           "negotiation.", name=entry.enterprise.name,
                                           state=STATE_LABELS.get(entry.state, entry.state)))  # fmt: skip
            elif not self.allowed.setdefault(entry.id, policy.can_advance(self.actor, entry)):
                row.reject(
                    "enterprise", _("Only the target's team, its county head and managers move its stage.")
                )
        name = cells.get("project", "")
        if not name:
            row.reject("project", _("Give the project's name."))
        elif len(name) > 200:
            row.reject("project", _("At most %(n)d characters.", n=200))
        region_id = entry.region_id if entry is not None else None
        if cells.get("region"):
            region_id = self.regions.find(cells["region"])
            if region_id is None:
                row.reject("region", _("No county or zone called %(name)s.", name=cells["region"]))
        agreement = row.read(cells, "agreement", values.agreement)
        if agreement is None and not cells.get("agreement"):
            row.reject("agreement", _("Choose the agreement type."))
        signed_on = row.read(cells, "signed_on", values.day)
        if signed_on is None and not cells.get("signed_on"):
            row.reject("signed_on", _("Give the date."))
        elif signed_on is not None and signed_on > self.today:
            row.reject("signed_on", _("The date cannot be in the future."))
        contract = self._amount(row, cells, "contract_amount", required=True)
        planned = self._amount(row, cells, "planned_investment")
        industry_id = campaign = mode = None
        if (
            cells.get("industry")
            and (industry_id := self.industries.get(values.compact(cells["industry"]))) is None
        ):
            row.reject(
                "industry", _("No industry called %(name)s in the industry tree.", name=cells["industry"])
            )
        if cells.get("campaign") and (campaign := _code(cells["campaign"], CAMPAIGNS)) is None:
            row.reject("campaign", _("Unknown campaign %(name)s.", name=cells["campaign"]))
        if cells.get("mode") and (mode := _code(cells["mode"], MODES)) is None:
            row.reject("mode", _("Unknown promotion mode %(name)s.", name=cells["mode"]))
        if row.action == REJECT:
            return row
        if not cells.get("region"):
            row.notes.append(_("Lands in %(region)s, the proposing county.", region=entry.region.name))
        row.entry_id = entry.id
        row.project = ProjectData(name=name, region_id=region_id, agreement=agreement, signed_on=signed_on,
                                  contract_amount=contract, planned_investment=planned, industry_id=industry_id,
                                  campaign=campaign, mode=mode)  # fmt: skip
        key = (entry.id, values.project_key(name))
        if key in self.existing:
            row.action = DUPLICATE
            row.notes.append(_("%(name)s already has the project %(project)s.", name=entry.enterprise.name,
                               project=self.existing[key]))  # fmt: skip
        elif key in self.seen:
            row.action = DUPLICATE
            row.notes.append(_("The same project as row %(row)d.", row=self.seen[key]))
        else:
            self.seen[key] = row.number
            row.action = CREATE
        return row

    def _amount(self, row: LedgerRow, cells: dict[str, str], key: str, required: bool = False) -> int | None:
        read = row.read(cells, key, values.amount)
        if read is None:
            if required and not cells.get(key):
                row.reject(key, _("Give the contract amount in 万元."))
            return None
        value, rounded = read
        if value <= 0:
            row.reject(key, _("Enter a positive number of 万元."))
        elif rounded:
            row.notes.append(_("%(column)s: %(value)s rounded to %(n)d 万元.", column=row.headers[key],
                               value=cells[key], n=value))  # fmt: skip
        return value


class ArrivalRows:
    """月度到位资金 rows: the project (by name, and the enterprise when names repeat), the month, the amounts, and
    whether the landing county's return for that month still takes lines."""

    def __init__(self, actor: User, rows: list[dict[str, str]], today: date) -> None:
        self.actor, self.today = actor, today
        keys = {values.project_key(r.get("project")) for r in rows} - {""}
        names = {r.get("project", "") for r in rows} - {""}
        ids: set[int] = set()
        for chunk in _chunks(names):
            ids |= set(
                db.session.scalars(select(Project.id).where(project_scope(actor), Project.name.in_(chunk)))
            )
        found = {
            values.project_key(n) for n in db.session.scalars(select(Project.name).where(Project.id.in_(ids)))
        }
        if keys - found:  # names written differently from the record: compare every visible name's key
            rows_on_file = db.session.execute(select(Project.id, Project.name).where(project_scope(actor)))
            ids |= {i for i, name in rows_on_file if values.project_key(name) in keys}
        self.by_key: dict[str, list[Project]] = defaultdict(list)
        for chunk in _chunks(ids):
            for project in db.session.scalars(
                select(Project).where(Project.id.in_(chunk)).order_by(Project.id)
            ):
                self.by_key[values.project_key(project.name)].append(project)
        self.reported: set[tuple] = set()
        for chunk in _chunks(ids):
            self.reported |= set(db.session.execute(
                select(FundArrival.project_id, FundArrival.arrived_on, FundArrival.fixed_amount,
                       FundArrival.other_amount).where(FundArrival.project_id.in_(chunk))
            ).tuples())  # fmt: skip
        self.seen: dict[tuple, int] = {}
        self.allowed: dict[int, bool] = {}
        self.returns: dict[tuple[int, date], tuple[str | None, bool]] = {}

    def _project(self, row: LedgerRow, cells: dict[str, str]) -> Project | None:
        name, enterprise = cells.get("project", ""), cells.get("enterprise", "")
        if not name:
            row.reject("project", _("Give the project's name."))
            return None
        projects = self.by_key.get(values.project_key(name), [])
        if enterprise and projects:
            norm = normalise_name(enterprise)
            mine = [p for p in projects if p.entry.enterprise.name_norm == norm]
            if not mine:
                row.reject("enterprise", _("The project %(project)s is not one of %(name)s's.", project=name,
                                           name=enterprise))  # fmt: skip
                return None
            projects = mine
        if not projects:
            row.reject("project", _("No project you can see is called %(name)s.", name=name))
            return None
        if len(projects) > 1:
            key = "enterprise" if not enterprise else "project"
            row.reject(key, _("%(n)d projects are called %(name)s: give the enterprise's name too.",
                              n=len(projects), name=name))  # fmt: skip
            return None
        return projects[0]

    def _return_refusal(self, region_id: int, month: date) -> tuple[str | None, bool]:
        """(why the landing county's return of the month takes no lines, whether the lines go to an adjustment),
        with the words of crm.projects.returns."""
        key = (region_id, month)
        if key not in self.returns:
            refusal, adjustment = None, False
            if (open_return := returns.open_return(region_id, month)) is not None:
                adjustment = open_return.is_adjustment
            elif (first := returns.the_return(region_id, month)) is not None:
                label = f"{first.month:%Y-%m}"
                refusal = (
                    _("The county's return for %(month)s has been submitted and awaits verification.", month=label)
                    if first.status == "submitted"
                    else _("The county's return for %(month)s is verified and locked: open an adjustment to correct "
                           "it.", month=label)
                )  # fmt: skip
            self.returns[key] = refusal, adjustment
        return self.returns[key]

    def check(self, row: LedgerRow, cells: dict[str, str]) -> LedgerRow:
        row.name = cells.get("project", "") + (
            f"（{cells['enterprise']}）" if cells.get("enterprise") else ""
        )
        project = self._project(row, cells)
        if project is not None and not self.allowed.setdefault(
            project.id, returns.may_add(self.actor, project)
        ):
            row.reject("project", _("Only the landing county's head and leads, and the project's team, report its "
                                    "funds."))  # fmt: skip
        month = row.read(cells, "month", values.month)
        if month is None and not cells.get("month"):
            row.reject("month", _("Give the month."))
        elif month is not None and month > self.today.replace(day=1):
            row.reject("month", _("The month cannot be in the future."))
        elif month is not None and project is not None and month < project.signed_on.replace(day=1):
            row.reject("month", _("Funds are reported from the month the project was signed."))
        adjustment = False
        if month is not None and project is not None and row.action != REJECT:
            refusal, adjustment = self._return_refusal(project.region_id, month)
            if refusal:
                row.reject("month", refusal)
        amounts = {}
        for key in ("fixed", "other"):
            amounts[key], rounded = row.read(cells, key, values.amount, adjustment) or (0, False)
            if rounded:
                row.notes.append(_("%(column)s: %(value)s rounded to %(n)d 万元.", column=row.headers[key],
                                   value=cells[key], n=amounts[key]))  # fmt: skip
        fixed, other = amounts["fixed"], amounts["other"]
        if row.action != REJECT:
            if adjustment and fixed + other == 0:
                row.reject("fixed", _("Give the correction in 万元 (negative to reduce)."))
            elif not adjustment and fixed + other <= 0:
                row.reject("fixed", _("Give the amount that arrived, in 万元."))
        outside = row.read(cells, "out_of_province", values.yes_no)
        province = row.read(cells, "source_province", values.province)
        if outside is None and province is not None:
            outside = province != returns.HOME_PROVINCE  # a source province outside Shandong says it
        if outside and (province is None or province == returns.HOME_PROVINCE):
            row.reject(
                "source_province", _("Money from outside the province needs the province it came from.")
            )
        if len(cells.get("note", "")) > 200:
            row.reject("note", _("At most %(n)d characters.", n=200))
        if row.action == REJECT:
            return row
        row.project_id, row.entry_id = project.id, project.entry_id
        row.arrival = returns.ArrivalData(month=month, fixed=fixed, other=other, out_of_province=bool(outside),
                                          source_province=province if outside else None,
                                          note=cells.get("note") or None)  # fmt: skip
        if adjustment:
            row.notes.append(_("Goes into the open adjustment of %(month)s.", month=f"{month:%Y-%m}"))
        key = (project.id, month, fixed, other)
        if key in self.reported:
            row.action = DUPLICATE
            row.notes.append(_("The same amounts are already reported for %(project)s in %(month)s.",
                               project=project.name, month=f"{month:%Y-%m}"))  # fmt: skip
        elif key in self.seen:
            row.action = DUPLICATE
            row.notes.append(_("The same line as row %(row)d.", row=self.seen[key]))
        else:
            self.seen[key] = row.number
            row.action = CREATE
        return row
