"""项目台账 rows: the target (by credit code or name, and the proposing county when the enterprise is a target of
several), the project, where it lands, its agreement, date and amounts; duplicates of a project on file."""

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.enterprises.names import InvalidCreditCode, normalise_name, normalise_uscc, uscc_key
from crm.extensions import db
from crm.formatting import short
from crm.imports import values
from crm.imports.rows import CREATE, DUPLICATE, REJECT, LedgerRow, _code, chunks
from crm.plans import policy
from crm.projects.models import Project
from crm.projects.services import PROJECT_ENTRY_STATES, ProjectData
from crm.scope import entry_scope
from crm.vocab import CAMPAIGNS, MODES, STATE_LABELS
from crm.whitelist.models import WhitelistEntry


class ProjectRows:
    """项目台账 rows: the target (by credit code or name, and the proposing county when it has several), the
    project, where it lands, its agreement, date and amounts."""

    def __init__(self, actor: User, rows: list[dict[str, str]], today: date) -> None:
        self.actor, self.today = actor, today
        self.refs = values.reference_names()
        self.regions = values.RegionNames(self.refs)
        usccs = {uscc_key(r.get("uscc")) for r in rows} - {""}
        typed = {r.get("enterprise", "") for r in rows} - {""}
        names = typed | {values.compact(n) for n in typed}
        norms = {normalise_name(n) for n in typed} - {""}
        entries: dict[int, WhitelistEntry] = {}
        for key, wanted in (
            (Enterprise.uscc, usccs),
            (Enterprise.name, names),
            (Enterprise.name_norm, norms),
        ):
            for chunk in chunks(wanted):
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
        for chunk in chunks(set(entries)):
            for entry_id, name in db.session.execute(
                select(Project.entry_id, Project.name).where(Project.entry_id.in_(chunk))
            ):
                self.existing.setdefault((entry_id, values.project_key(name)), name)
        self.seen: dict[tuple[int, str], int] = {}
        self.allowed: dict[int, bool] = {}

    def _enterprise(self, row: LedgerRow, cells: dict[str, str]) -> int | None:
        name, by_code = cells.get("enterprise", ""), None
        try:
            uscc = normalise_uscc(cells.get("uscc"))
        except InvalidCreditCode as error:
            row.reject("uscc", str(error))
            return None
        if uscc:
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
                row.reject("county", self.regions.error(cells["county"]))
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
                row.reject("region", self.regions.error(cells["region"]))
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
        if cells.get("industry"):
            try:
                industry_id = values.industry(self.refs, cells["industry"])
            except ValueError as error:
                row.reject("industry", str(error))
        if cells.get("campaign") and (campaign := _code(cells["campaign"], CAMPAIGNS)) is None:
            row.reject("campaign", _("Unknown campaign %(name)s.", name=short(cells["campaign"])))
        if cells.get("mode") and (mode := _code(cells["mode"], MODES)) is None:
            row.reject("mode", _("Unknown promotion mode %(name)s.", name=short(cells["mode"])))
        if row.action == REJECT:
            return row
        # A row without them was refused.
        assert entry is not None and region_id is not None and agreement is not None and signed_on is not None
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
