"""Select-box choices built from the reference tables.

The counties, categories and industries of the filter rows (the whitelist list, the project list, the library)
are kept per process as plain (id, label) pairs for REFDATA_CACHE_SECONDS (60): the list page asked for all three
on every request, three statements and some 150 ORM objects for choices that change a few times a year. An edit
of a county, category or industry in this process shows at once (a flush or an UPDATE/DELETE touching those
tables forgets them); another worker's within REFDATA_CACHE_SECONDS. 0 turns the keeping off (TestConfig)."""

import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from crm.extensions import db
from crm.kept import Kept
from crm.refdata.models import CategoryTag, Industry, Region

REFERENCE = (Region, Industry, CategoryTag)
_kept = Kept("refdata", touches=lambda classes: any(c in REFERENCE for c in classes))
_kept.clock = lambda: _clock()  # looked up on each call, so tests can replace _clock


def _clock() -> float:
    return time.monotonic()


def _pairs(name: str, build: Callable[[], list[tuple]]) -> list[tuple]:
    return _kept.get(
        name, current_app.config.get("REFDATA_CACHE_SECONDS", 0), build, keep=lambda _pairs: True
    )


def forget() -> None:
    _kept.forget()


def regions() -> list[Region]:
    return list(
        db.session.scalars(select(Region).where(Region.active.is_(True)).order_by(Region.sort, Region.id))
    )


def region_choices(blank: str | None = None) -> list[tuple]:
    head = [(0, blank)] if blank is not None else []
    return head + _pairs("regions", lambda: [(r.id, r.name) for r in regions()])


def industry_tree(include_inactive: bool = False) -> list[tuple[Industry, int]]:
    """Industries depth-first, each with its depth."""
    query = select(Industry).order_by(Industry.sort, Industry.id)
    if not include_inactive:
        query = query.where(Industry.active.is_(True))
    rows = list(db.session.scalars(query))
    children: dict[int | None, list[Industry]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[tuple[Industry, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for node in children.get(parent_id, []):
            out.append((node, depth))
            walk(node.id, depth + 1)

    walk(None, 0)
    return out


def industry_choices(blank: str | None = None) -> list[tuple]:
    head = [(0, blank)] if blank is not None else []
    return head + _pairs(
        "industries", lambda: [(node.id, "　" * depth + node.name) for node, depth in industry_tree()]
    )


def leaf_industry_choices(blank: str | None = None, keep: int | None = None) -> list[SelectChoice]:
    """Choices for the industry a record carries: group nodes are the labels of <optgroup>s, not options, so only
    a sub-industry can be chosen (crm.refdata.industries: the flags live on the leaves). `keep` is a record's
    current industry, offered even if it is a group node, so an old record's form still saves unchanged."""
    tree = industry_tree()
    groups = {node.parent_id for node, _depth in tree if node.parent_id is not None}
    names: dict[int | None, Industry] = {node.id: node for node, _depth in tree}
    out = [SelectChoice(0, blank)] if blank is not None else []
    for node, _depth in tree:
        if node.id in groups:
            if node.id == keep:
                out.append(SelectChoice(node.id, node.name, optgroup=_group_label(node, names)))
            continue
        out.append(SelectChoice(node.id, node.name, optgroup=_group_label(node, names)))
    return out


def _group_label(node: Industry, names: dict[int | None, Industry]) -> str | None:
    parts: list[str] = []
    parent = names.get(node.parent_id)
    while parent is not None:
        parts.insert(0, parent.name)
        parent = names.get(parent.parent_id)
    return " / ".join(parts) or None


def industry_path(industry: Industry | None) -> str:
    """The "group / sub-industry" text (Industry.path): the industry's own name, and its group's from the kept
    names (an entry's page read the group with a statement of its own). A group renamed or added in another worker
    shows within REFDATA_CACHE_SECONDS; one not yet kept is read."""
    if industry is None:
        return "—"
    if industry.parent_id is None:
        return industry.name
    group = dict(_pairs("industry_names", _industry_names)).get(industry.parent_id)
    return f"{group} / {industry.name}" if group is not None else industry.path


def _industry_names() -> list[tuple[int, str]]:
    return [(row.id, row.name) for row in db.session.execute(select(Industry.id, Industry.name))]


def industry_with_descendants(industry_id: int) -> list[int]:
    ids, frontier = [industry_id], [industry_id]
    while frontier:
        frontier = list(db.session.scalars(select(Industry.id).where(Industry.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def tags() -> list[CategoryTag]:
    query = select(CategoryTag).where(CategoryTag.active.is_(True)).order_by(CategoryTag.sort, CategoryTag.id)
    return list(db.session.scalars(query))


def tag_choices(blank: str | None = None) -> list[tuple]:
    head = [(0, blank)] if blank is not None else []
    return head + _pairs("tags", lambda: [(t.id, t.name) for t in tags()])
