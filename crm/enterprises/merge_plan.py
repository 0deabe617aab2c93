"""Planning a merge: what would move from the duplicate to the survivor, which empty fields it fills, and what
blocks the merge (one county holding the enterprise twice, a group loop). crm.enterprises.merge carries it out."""

from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from crm.enterprises import claims
from crm.enterprises.models import Contact, Enterprise, EnterpriseMerge
from crm.extensions import db
from crm.imports.models import ImportItem
from crm.vocab import FIELD_LABELS
from crm.whitelist.models import Event, WhitelistEntry

# What moves, in the order the screens list it.
MOVE_LABELS = {
    "entries": _l("Whitelist entries"),
    "contacts": _l("Contact people"),
    "events": _l("History events"),
    "categories": _l("Categories"),
    "subsidiaries": _l("Subsidiaries"),
    "import_items": _l("Import rows"),
    "merges": _l("Earlier merge records"),
}
# Fields the duplicate fills when the survivor's are empty (notes are appended instead).
FILLED = ("uscc", "name_en", "hq", "industry_id", "website")
NOTES_MAX = 4000  # what the enterprise form accepts; longer notes could no longer be edited


@dataclass
class MergePreview:
    survivor: Enterprise
    duplicate: Enterprise
    moves: dict[str, int] = field(default_factory=dict)
    fills: dict[str, object] = field(default_factory=dict)  # attribute → value taken from the duplicate
    notes: str | None = None  # the survivor's notes after the merge, when they change
    notes_left_out: bool = False  # the duplicate's notes did not fit; they go into the merge event instead
    survivor_parent_id: int | None = None  # the survivor's group parent after the merge
    subsidiaries_to: int | None = None  # where the duplicate's subsidiaries point after the merge
    subsidiary_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # any of these blocks the merge
    warnings: list[str] = field(default_factory=list)  # worth knowing, but the merge can go ahead

    @property
    def blocked(self) -> bool:
        return bool(self.problems)

    def move_lines(self) -> list[tuple[str, int]]:
        return [(str(MOVE_LABELS[key]), n) for key, n in self.moves.items()]

    def fill_lines(self) -> list[tuple[str, str]]:
        """(field label, value shown) for each field the duplicate fills."""
        lines = [(FIELD_LABELS[_field_key(a)], _shown(self.duplicate, a)) for a in self.fills]
        if self.notes is not None:
            assert self.duplicate.notes is not None  # the notes change only when the duplicate has some
            label = (
                _("Notes (added after the kept record's)") if self.survivor.notes else FIELD_LABELS["notes"]
            )
            lines.append((label, self.duplicate.notes))
        if self.survivor_parent_id != self.survivor.parent_id and self.survivor_parent_id:
            parent = db.session.get(Enterprise, self.survivor_parent_id)
            assert parent is not None  # an enterprise on file, read by the plan
            lines.append((FIELD_LABELS["parent"], parent.name))
        return lines


def _field_key(attribute: str) -> str:
    return "industry" if attribute == "industry_id" else attribute


def _shown(enterprise: Enterprise, attribute: str) -> str:
    if attribute == "industry_id":
        return enterprise.industry.name if enterprise.industry else ""
    return getattr(enterprise, attribute) or ""


def _count(query: Select[Any]) -> int:
    return cast(int, db.session.scalar(select(func.count()).select_from(query.subquery())))  # count(): a row


def preview(survivor: Enterprise, duplicate: Enterprise) -> MergePreview:
    """What merging `duplicate` into `survivor` would do, and whether anything stands in the way."""
    plan = MergePreview(survivor, duplicate)
    if survivor.id == duplicate.id:
        plan.problems.append(_("An enterprise cannot be merged into itself; choose another record."))
        return plan
    plan.problems += _county_clashes(survivor, duplicate)
    _plan_group(plan)
    _plan_fields(plan)
    d = duplicate.id
    survivor_tags = {c.tag_id for c in survivor.categories}
    plan.moves = {
        "entries": _count(select(WhitelistEntry.id).where(WhitelistEntry.enterprise_id == d)),
        "contacts": _count(select(Contact.id).where(Contact.enterprise_id == d)),
        "events": _count(select(Event.id).where(Event.enterprise_id == d)),
        "categories": len([c for c in duplicate.categories if c.tag_id not in survivor_tags]),
        "subsidiaries": len(plan.subsidiary_ids),
        "import_items": _count(select(ImportItem.id).where(ImportItem.enterprise_id == d)),
        "merges": _count(select(EnterpriseMerge.id).where(EnterpriseMerge.survivor_id == d)),
    }
    if not plan.problems and _counties(survivor.id) and _counties(duplicate.id):
        plan.warnings.append(
            _(
                "Different counties hold the two records; after the merge the later claims are flagged as a "
                "cross-county conflict for the city to decide."
            )
        )
    return plan


def _counties(enterprise_id: int) -> dict[int, WhitelistEntry]:
    """The entries holding the enterprise, by county."""
    return {e.region_id: e for e in db.session.scalars(claims.holding_entries([enterprise_id]))}


def _county_clashes(survivor: Enterprise, duplicate: Enterprise) -> list[str]:
    """One county may hold an enterprise only once: the merge must not give a county two live entries."""
    kept, other = _counties(survivor.id), _counties(duplicate.id)
    return [
        _(
            "%(region)s holds both records (entry #%(kept)d for %(survivor)s and entry #%(other)d for "
            "%(duplicate)s). Drop one of the two entries first, then merge.",
            region=kept[region_id].region.name,
            kept=kept[region_id].id,
            survivor=survivor.name,
            other=other[region_id].id,
            duplicate=duplicate.name,
        )
        for region_id in sorted(kept.keys() & other.keys())
    ]


def _children(enterprise_id: int, besides: int) -> list[int]:
    query = select(Enterprise.id).where(Enterprise.parent_id == enterprise_id, Enterprise.id != besides)
    return list(db.session.scalars(query.order_by(Enterprise.id)))


def _plan_group(plan: MergePreview) -> None:
    """Groups are one level deep. The survivor takes the duplicate's place in a group when it was the duplicate's
    subsidiary; the duplicate's subsidiaries move to the survivor, or to its group parent if it has one."""
    s, d = plan.survivor, plan.duplicate
    plan.subsidiary_ids = _children(d.id, besides=s.id)
    parent = s.parent_id
    if parent == d.id:  # a group's parent merged into its subsidiary: the subsidiary takes its place
        parent = d.parent_id if d.parent_id != s.id else None
        plan.warnings.append(
            _("The survivor is a subsidiary of the duplicate; it takes the duplicate's place in the group.")
        )
    elif d.parent_id and d.parent_id not in (s.id, parent):
        other = db.session.get(Enterprise, d.parent_id)
        assert other is not None  # parent_id is a foreign key
        heads_group = plan.subsidiary_ids or _children(s.id, besides=d.id)
        if parent is None and not heads_group and other.parent_id is None:
            parent = other.id
        else:
            plan.warnings.append(
                _(
                    "The duplicate belonged to the group of %(group)s; the survivor does not join it.",
                    group=other.name,
                )
            )
    plan.survivor_parent_id = parent
    plan.subsidiaries_to = parent or s.id
    if parent is not None and (parent in plan.subsidiary_ids or parent in _children(s.id, besides=d.id)):
        looped = db.session.get(Enterprise, parent)
        assert looped is not None  # a group parent on file
        loop = looped.name
        plan.problems.append(
            _(
                "The merge would make %(name)s a group parent of itself. Correct the group parents of the two "
                "records first.",
                name=loop,
            )
        )
    elif plan.subsidiary_ids and parent is not None:
        group = db.session.get(Enterprise, parent)
        assert group is not None  # a group parent on file
        plan.warnings.append(
            _(
                "The survivor belongs to a group, so the duplicate's subsidiaries move to its group parent "
                "%(group)s.",
                group=group.name,
            )
        )


def _plan_fields(plan: MergePreview) -> None:
    s, d = plan.survivor, plan.duplicate
    plan.fills = {a: getattr(d, a) for a in FILLED if not getattr(s, a) and getattr(d, a)}
    if not d.notes or (s.notes and d.notes.strip() in s.notes):
        return
    if not s.notes:
        plan.notes = d.notes
        return
    heading = _("Notes from the merged record %(name)s:", name=d.name)
    combined = f"{s.notes.rstrip()}\n\n{heading}\n{d.notes}"
    if len(combined) <= NOTES_MAX:
        plan.notes = combined
    else:
        plan.notes_left_out = True
        plan.warnings.append(
            _(
                "The duplicate's notes do not fit beside the survivor's; they are kept in the merge's history entry."
            )
        )
