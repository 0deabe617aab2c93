"""The dry run: what each row of an import will do (create, update, flag as a duplicate, or reject, with the row,
column and reason in Chinese). Reference data and existing names are loaded once, not per row."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask_babel import gettext as _

from crm.auth.models import User
from crm.enterprises.claims import holding_entries
from crm.enterprises.duplicates import DuplicateIndex, Match
from crm.enterprises.names import InvalidCreditCode, normalise_name, normalise_uscc
from crm.enterprises.services import CategoryChoice, EnterpriseData
from crm.extensions import db
from crm.formatting import short
from crm.imports import values
from crm.imports.columns import BY_KEY
from crm.parsing import parse_int
from crm.projects.returns import ArrivalData
from crm.projects.services import ProjectData
from crm.vocab import CAMPAIGNS, MODES, PRIORITIES
from crm.whitelist import policy
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.services import EntryData

CREATE, UPDATE, DUPLICATE, REJECT, UNCHANGED = "create", "update", "duplicate", "reject", "unchanged"
OUTSIDE = (
    "outside"  # a row for another county than the importing county head's or lead's: skipped, not an error
)
CHUNK = (
    900  # values per IN (…) in the projects and arrivals imports: well inside SQLite's bound-parameter limit
)
LIMITS = {"name": 128, "name_en": 200, "hq": 128, "website": 200, "summary": 2000, "notes": 4000}
SPLIT = re.compile(r"[、,，;；/|]+")
WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)
T = TypeVar("T")


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
    uscc_valid: str | None = None  # the credit code when it is valid (what the duplicate check compares)
    parent_id: int | None = None
    matches: list[Match] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # what the preview offers (crm.imports.matching)
    default: str = ""  # the choice taken when the preview sends none
    decision: str = ""  # the choice the commit applies (services.Plan.decide)
    outside: str = ""  # the other county's name, for an OUTSIDE row

    def reject(self, key: str, message: str) -> None:
        self.errors.append((BY_KEY[key].header, message))
        self.action = REJECT


class Lookups:
    """Everything a row is checked against, read once per import."""

    def __init__(self) -> None:
        self.refs = values.reference_names()  # counties, categories and industries as the bureau writes them
        self.index = DuplicateIndex.on_file()
        self.by_name = {r.name: r.key for r in self.index.records.values()}
        self.names = {r.key: r.name for r in self.index.records.values()}


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
    uscc = None
    try:
        uscc = normalise_uscc(cells.get("uscc"))
    except InvalidCreditCode as error:
        result.reject("uscc", str(error))
    result.norm, result.uscc_valid = normalise_name(name), uscc
    if uscc and uscc in seen["uscc"]:
        result.reject("uscc", _("The same credit code is already in row %(row)d.", row=seen["uscc"][uscc]))
    elif uscc:
        seen["uscc"][uscc] = result.number
    industry_id = None
    if cells.get("industry"):
        try:
            industry_id = values.industry(lookups.refs, cells["industry"])
        except ValueError as error:
            result.reject("industry", str(error))
    categories: list[CategoryChoice] = []
    for part in SPLIT.split(cells.get("categories", "")):
        if part.strip():
            try:
                tag = values.category(lookups.refs, part)
            except ValueError as error:
                result.reject("categories", str(error))
                continue
            if tag not in [c.tag_id for c in categories]:
                categories.append(CategoryChoice(tag))
    parent_id = None
    if cells.get("parent"):
        parent_id = lookups.by_name.get(cells["parent"])
        if parent_id is None:
            result.reject(
                "parent",
                _("No enterprise called %(name)s on file to be the group.", name=short(cells["parent"])),
            )
    result.parent_id = parent_id
    if proposals:
        _check_entry(result, cells, lookups, actor, industry_id)
    if result.outside:  # another county's row: listed as skipped, whatever else is wrong with it
        result.action, result.errors = OUTSIDE, []
        result.notes.append(_("For %(region)s: skipped, only the rows of your own county are imported.",
                              region=result.outside))  # fmt: skip
        return result
    if result.action == REJECT:
        return result
    result.enterprise = EnterpriseData(
        name=name, name_en=cells.get("name_en") or None, uscc=uscc, hq=cells.get("hq") or None,
        parent_id=parent_id, industry_id=industry_id, website=cells.get("website") or None,
        notes=cells.get("notes") or None, categories=categories,
    )  # fmt: skip
    if parent_id:
        result.notes.append(_("Joins the group of %(name)s.", name=lookups.names[parent_id]))
    return result


def _check_entry(
    result: RowResult, cells: dict, lookups: Lookups, actor: User, industry_id: int | None
) -> None:
    region_id = None
    if not cells.get("region"):
        result.reject("region", _("The target county is required when proposing."))
    else:
        try:
            region_id = values.region(lookups.refs, cells["region"])
        except ValueError as error:
            result.reject("region", str(error))
    if region_id is not None and not policy.can_propose_for(actor, region_id):
        result.outside = cells["region"]
    campaign = mode = None
    if cells.get("campaign") and (campaign := _code(cells["campaign"], CAMPAIGNS)) is None:
        result.reject("campaign", _("Unknown campaign %(name)s.", name=short(cells["campaign"])))
    if cells.get("mode") and (mode := _code(cells["mode"], MODES)) is None:
        result.reject("mode", _("Unknown promotion mode %(name)s.", name=short(cells["mode"])))
    investment = None
    if cells.get("planned_investment"):
        investment = parse_int(cells["planned_investment"].replace(",", ""), maximum=10**9)
        if investment is None:
            result.reject("planned_investment", _("Enter a whole number of 万元, 0 or more."))
    priority: int | None = 2
    if cells.get("priority") and (priority := _priority(cells["priority"])) is None:
        result.reject("priority", _("Priority is 一级(重点), 二级 or 三级 (or 1, 2, 3)."))
    if region_id and result.action != REJECT:
        assert priority is not None  # an unknown priority rejected the row
        result.entry = EntryData(region_id=region_id, industry_id=industry_id, campaign=campaign, mode=mode,
                                 planned_investment=investment, summary=cells.get("summary") or None,
                                 priority=priority)  # fmt: skip


def check_holdings(rows: list[RowResult], region_names: dict[int, str]) -> None:
    """Refuse a proposal of an enterprise on file for a county whose whitelist already holds it."""
    for row in rows:
        if row.action == UPDATE and row.entry is not None:
            assert row.existing_id is not None  # an update of an enterprise on file
            holding = db.session.scalar(
                holding_entries([row.existing_id])
                .where(WhitelistEntry.region_id == row.entry.region_id)
                .limit(1)
            )
            if holding:
                region = region_names.get(row.entry.region_id, "")
                row.reject(
                    "region", _("This enterprise is already on %(region)s's whitelist.", region=region)
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

    def read(self, cells: dict[str, str], key: str, reader: Callable[..., T | None], *args: Any) -> T | None:
        """`reader` applied to the cell; its ValueError becomes this row's rejection, naming the column."""
        try:
            return reader(cells.get(key, ""), *args)
        except ValueError as error:
            self.reject(key, str(error))
            return None


def chunks(items: Iterable[Any]) -> list[list[Any]]:
    items = sorted(items)
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
