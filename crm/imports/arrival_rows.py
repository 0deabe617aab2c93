"""月度到位资金 rows: the project (by name, and the enterprise when names repeat), the month, the amounts, and whether
the landing county's return of that month still takes lines (in the words of crm.projects.returns)."""

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.enterprises.names import normalise_name
from crm.extensions import db
from crm.imports import values
from crm.imports.rows import CREATE, DUPLICATE, REJECT, LedgerRow, chunks
from crm.plans.models import FundArrival
from crm.projects import returns
from crm.projects.models import Project
from crm.scope import project_scope


class ArrivalRows:
    """月度到位资金 rows: the project (by name, and the enterprise when names repeat), the month, the amounts, and
    whether the landing county's return for that month still takes lines."""

    def __init__(self, actor: User, rows: list[dict[str, str]], today: date) -> None:
        self.actor, self.today = actor, today
        keys = {values.project_key(r.get("project")) for r in rows} - {""}
        names = {r.get("project", "") for r in rows} - {""}
        found: dict[int, str] = {}  # id → name of the visible projects named exactly as in the file
        for chunk in chunks(names):
            query = select(Project.id, Project.name).where(project_scope(actor), Project.name.in_(chunk))
            found.update(db.session.execute(query).all())
        ids = set(found)
        if keys - {values.project_key(n) for n in found.values()}:
            # names written differently from the record: compare the key of every visible project's name
            rows_on_file = db.session.execute(select(Project.id, Project.name).where(project_scope(actor)))
            ids |= {i for i, name in rows_on_file if values.project_key(name) in keys}
        self.by_key: dict[str, list[Project]] = defaultdict(list)
        for chunk in chunks(ids):
            for project in db.session.scalars(
                select(Project).where(Project.id.in_(chunk)).order_by(Project.id)
            ):
                self.by_key[values.project_key(project.name)].append(project)
        self.reported: set[tuple] = set()
        for chunk in chunks(ids):
            self.reported |= {tuple(line) for line in db.session.execute(
                select(FundArrival.project_id, FundArrival.arrived_on, FundArrival.fixed_amount,
                       FundArrival.other_amount).where(FundArrival.project_id.in_(chunk))
            )}  # fmt: skip
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
        assert project is not None and month is not None  # a row without them was refused
        row.project_id, row.entry_id = project.id, project.entry_id
        row.arrival = returns.ArrivalData(month=month, fixed=fixed, other=other, out_of_province=bool(outside),
                                          source_province=province if outside else None,
                                          note=cells.get("note") or None)  # fmt: skip
        if adjustment:
            row.notes.append(_("Goes into the open adjustment of %(month)s.", month=f"{month:%Y-%m}"))
        line = (project.id, month, fixed, other)
        if line in self.reported:
            row.action = DUPLICATE
            row.notes.append(_("The same amounts are already reported for %(project)s in %(month)s.",
                               project=project.name, month=f"{month:%Y-%m}"))  # fmt: skip
        elif line in self.seen:
            row.action = DUPLICATE
            row.notes.append(_("The same line as row %(row)d.", row=self.seen[line]))
        else:
            self.seen[line] = row.number
            row.action = CREATE
        return row
