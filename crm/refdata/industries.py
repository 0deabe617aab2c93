"""The rule that keeps the industry tree's flags consistent.

The flags 制造业 (is_manufacturing) and 战略性新兴/未来产业 (is_emerging) are set on the leaves. A group node's flag
is derived: set exactly when every one of its active sub-industries has it (a group with no active sub-industry
keeps its own). So "the group is manufacturing" always means "everything under it is"; a record filed under a
group node (possible before group nodes stopped being selectable) counts only when the whole group does. The
derivation runs after every edit of the tree (crm.admin.services.save_industry), in seed_reference, and once in
migration f1c2a3b4d5e6 for existing trees.
"""

from sqlalchemy import select

from crm.extensions import db
from crm.refdata.models import Industry

FLAGS = ("is_manufacturing", "is_emerging")


def derive_group_flags() -> list[Industry]:
    """Set each group node's flags from its active sub-industries, deepest groups first; the nodes changed."""
    nodes = list(db.session.scalars(select(Industry)))
    children: dict[int, list[Industry]] = {}
    for node in nodes:
        if node.parent_id is not None and node.active:
            children.setdefault(node.parent_id, []).append(node)
    by_id = {node.id: node for node in nodes}
    changed: list[Industry] = []

    def settle(node: Industry, seen: frozenset) -> None:
        kids = children.get(node.id, [])
        for kid in kids:
            if kid.id not in seen:  # a loop cannot be saved, but never recurse forever
                settle(kid, seen | {kid.id})
        if not kids:
            return
        for flag in FLAGS:
            value = all(getattr(kid, flag) for kid in kids)
            if getattr(node, flag) != value:
                setattr(node, flag, value)
                if node not in changed:
                    changed.append(node)

    for node in nodes:
        if node.parent_id is None or node.parent_id not in by_id:
            settle(node, frozenset({node.id}))
    return changed


def group_ids() -> set[int]:
    """The nodes with active sub-industries: groups, which records do not carry."""
    query = select(Industry.parent_id).where(Industry.parent_id.isnot(None), Industry.active.is_(True))
    return set(db.session.scalars(query.distinct()))
