"""The dry run: what each row of an import will do (create, update, flag as a duplicate, or reject, with the row,
column and reason in Chinese). Reference data and existing names are loaded once, not per row."""

import re
from dataclasses import dataclass, field

import numpy
from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import select

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.enterprises.names import clean_uscc, normalise_name, uscc_error
from crm.enterprises.services import CategoryChoice, EnterpriseData
from crm.extensions import db
from crm.imports.columns import BY_KEY
from crm.parsing import parse_int
from crm.projects.returns import ArrivalData
from crm.projects.services import ProjectData
from crm.refdata.models import CategoryTag, Industry, Region
from crm.settings import get_int
from crm.vocab import CAMPAIGNS, MODES, PRIORITIES
from crm.whitelist import policy
from crm.whitelist.claims import holding_entries
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.services import EntryData

CREATE, UPDATE, DUPLICATE, REJECT, UNCHANGED = "create", "update", "duplicate", "reject", "unchanged"
CHUNK = (
    900  # values per IN (…) in the projects and arrivals imports: well inside SQLite's bound-parameter limit
)
LIMITS = {"name": 128, "name_en": 200, "hq": 128, "website": 200, "summary": 2000, "notes": 4000}
SPLIT = re.compile(r"[、,，;；/|]+")
WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)


@dataclass
class RowResult:
    number: int
    name: str
    action: str = CREATE
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, reason)
    notes: list[str] = field(default_factory=list)
    enterprise: EnterpriseData | None = None
    existing_id: int | None = None
    entry: EntryData | None = None
    norm: str = ""

    def reject(self, key: str, message: str) -> None:
        self.errors.append((BY_KEY[key].header, message))
        self.action = REJECT


class Lookups:
    """Everything a row is checked against, read once per import."""

    def __init__(self) -> None:
        self.regions = dict(
            db.session.execute(select(Region.name, Region.id).where(Region.active.is_(True))).all()
        )
        self.industries = dict(
            db.session.execute(select(Industry.name, Industry.id).where(Industry.active.is_(True))).all()
        )
        tags = db.session.execute(select(CategoryTag.name, CategoryTag.code, CategoryTag.id)).all()
        self.tags = {**{code: i for _n, code, i in tags}, **{name: i for name, _c, i in tags}}
        rows = db.session.execute(
            select(Enterprise.id, Enterprise.name, Enterprise.name_norm, Enterprise.uscc)
        ).all()
        self.by_uscc = {uscc: i for i, _n, _norm, uscc in rows if uscc}
        self.by_name = {name: i for i, name, _norm, _u in rows}
        self.names = {i: name for i, name, _norm, _u in rows}
        self.threshold = get_int("name_similarity")
        self.norms = {i: norm for i, _name, norm, _u in rows if norm}

    def flag_similar(self, rows: list["RowResult"]) -> None:
        """Flag the rows whose name is close to an enterprise on file, all rows at once: rapidfuzz compares the
        whole batch with every name in C++ (per-row lookups took 20 s for 10,000 rows)."""
        waiting = [r for r in rows if r.norm]
        if not waiting or not self.norms:
            return
        ids, choices = list(self.norms), list(self.norms.values())
        for start in range(0, len(waiting), 500):
            chunk = waiting[start : start + 500]
            scores = process.cdist([r.norm for r in chunk], choices, scorer=fuzz.ratio, score_cutoff=self.threshold,
                                   dtype=numpy.uint8, workers=-1)  # fmt: skip
            best = scores.argmax(axis=1)
            for i, (row, column) in enumerate(zip(chunk, best, strict=True)):
                score = int(scores[i, column])
                if score:
                    row.action = DUPLICATE
                    row.notes.append(_("Similar to %(name)s on file (%(score)d%%).", name=self.names[ids[column]],
                                       score=score))  # fmt: skip


def _code(value: str, names: dict[str, str]) -> str | None:
    """A campaign or mode from its code, its full name, or a distinctive part of it ('夺标争先')."""
    if value in names:
        return value
    found = [code for code, label in names.items() if value == label or value in label]
    return found[0] if len(found) == 1 else None


def _priority(value: str) -> int | None:
    number = parse_int(value, maximum=3)
    if number in PRIORITIES:
        return number
    return next((k for k, label in PRIORITIES.items() if value in (label, label[:2])), None)


def check_row(
    number: int, cells: dict[str, str], lookups: Lookups, actor: User, proposals: bool, seen: dict
) -> RowResult:
    """Validate one row. `seen` remembers credit codes and names of earlier rows in the same file."""
    name = cells.get("name", "")
    result = RowResult(number, name)
    if not name:
        result.reject("name", _("The enterprise name is required."))
    for key, limit in LIMITS.items():
        if len(cells.get(key, "")) > limit:
            result.reject(key, _("At most %(n)d characters.", n=limit))
    if cells.get("website") and not WEB_ADDRESS.match(cells["website"]):
        # The enterprise page links to it: a javascript: address would run in the reader's browser.
        result.reject("website", _("Start with http:// or https://."))
    uscc = clean_uscc(cells.get("uscc"))
    if uscc and (error := uscc_error(uscc)):
        result.reject("uscc", error)
    industry_id = None
    if cells.get("industry"):
        industry_id = lookups.industries.get(cells["industry"])
        if industry_id is None:
            result.reject(
                "industry", _("No industry called %(name)s in the industry tree.", name=cells["industry"])
            )
    categories = []
    for part in SPLIT.split(cells.get("categories", "")):
        if part.strip():
            tag = lookups.tags.get(part.strip())
            if tag is None:
                result.reject("categories", _("Unknown category %(name)s.", name=part.strip()))
            elif tag not in [c.tag_id for c in categories]:
                categories.append(CategoryChoice(tag))
    parent_id = None
    if cells.get("parent"):
        parent_id = lookups.by_name.get(cells["parent"])
        if parent_id is None:
            result.reject(
                "parent", _("No enterprise called %(name)s on file to be the group.", name=cells["parent"])
            )
    if proposals:
        _check_entry(result, cells, lookups, actor, industry_id)
    if result.action == REJECT:
        return result
    result.enterprise = EnterpriseData(
        name=name, name_en=cells.get("name_en") or None, uscc=uscc, hq=cells.get("hq") or None,
        parent_id=parent_id, industry_id=industry_id, website=cells.get("website") or None,
        notes=cells.get("notes") or None, categories=categories,
    )  # fmt: skip
    _match(result, uscc, lookups, seen)
    if result.action != REJECT and proposals and result.existing_id:
        holding = db.session.scalar(
            holding_entries([result.existing_id])
            .where(WhitelistEntry.region_id == result.entry.region_id)
            .limit(1)
        )
        if holding:
            result.reject("region", _("This enterprise is already on %(region)s's whitelist.",
                                      region=cells["region"]))  # fmt: skip
    return result


def _check_entry(
    result: RowResult, cells: dict, lookups: Lookups, actor: User, industry_id: int | None
) -> None:
    region_id = lookups.regions.get(cells.get("region", ""))
    if not cells.get("region"):
        result.reject("region", _("The target county is required when proposing."))
    elif region_id is None:
        result.reject("region", _("No county or zone called %(name)s.", name=cells["region"]))
    elif not policy.can_propose_for(actor, region_id):
        result.reject("region", _("You can only propose enterprises for your own county."))
    campaign = mode = None
    if cells.get("campaign") and (campaign := _code(cells["campaign"], CAMPAIGNS)) is None:
        result.reject("campaign", _("Unknown campaign %(name)s.", name=cells["campaign"]))
    if cells.get("mode") and (mode := _code(cells["mode"], MODES)) is None:
        result.reject("mode", _("Unknown promotion mode %(name)s.", name=cells["mode"]))
    investment = None
    if cells.get("planned_investment"):
        investment = parse_int(cells["planned_investment"].replace(",", ""), maximum=10**9)
        if investment is None:
            result.reject("planned_investment", _("Enter a whole number of 万元, 0 or more."))
    priority = 2
    if cells.get("priority") and (priority := _priority(cells["priority"])) is None:
        result.reject("priority", _("Priority is 一级(重点), 二级 or 三级 (or 1, 2, 3)."))
    if region_id and result.action != REJECT:
        result.entry = EntryData(region_id=region_id, industry_id=industry_id, campaign=campaign, mode=mode,
                                 planned_investment=investment, summary=cells.get("summary") or None,
                                 priority=priority)  # fmt: skip


def _match(result: RowResult, uscc: str | None, lookups: Lookups, seen: dict) -> None:
    """Existing enterprise by credit code (an update), or a look-alike (a flagged duplicate), or new."""
    norm = normalise_name(result.name)
    if uscc and uscc in seen["uscc"]:
        result.reject("uscc", _("The same credit code is already in row %(row)d.", row=seen["uscc"][uscc]))
        return
    if uscc:
        seen["uscc"][uscc] = result.number
    if uscc and uscc in lookups.by_uscc:
        result.existing_id = lookups.by_uscc[uscc]
        result.action = UPDATE
        result.notes.append(_("Same credit code as %(name)s on file: its empty fields are filled, others updated.",
                              name=lookups.names[result.existing_id]))  # fmt: skip
        return
    if norm in seen["name"]:
        result.action = DUPLICATE
        result.notes.append(_("Same name as row %(row)d.", row=seen["name"][norm]))
        return
    seen["name"][norm] = result.number
    result.norm = norm  # compared with the names on file for the whole file at once (Lookups.flag_similar)
    if result.enterprise.parent_id:
        result.notes.append(
            _("Joins the group of %(name)s.", name=lookups.names[result.enterprise.parent_id])
        )


@dataclass
class LedgerRow(RowResult):
    """A row of a projects or arrivals import: what it will write, and its refusals by column header."""

    headers: dict[str, str] = field(default_factory=dict, repr=False)
    entry_id: int | None = None
    project: ProjectData | None = None  # projects: what add_project gets
    project_id: int | None = None  # arrivals: the project the line is for
    arrival: ArrivalData | None = None

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


def chunks(items: set) -> list[list]:
    items = sorted(items)
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
