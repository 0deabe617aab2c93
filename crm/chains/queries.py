"""Reads of the chain map that other features need (the entry form's node choices, a node's label): no imports of
the features that use them."""

from sqlalchemy import Select, select

from crm.chains.models import Chain, ChainLink, ChainNode
from crm.extensions import db


def _labelled() -> Select[int, str, str, str]:
    return (
        select(ChainNode.id, Chain.name, ChainLink.name, ChainNode.name)
        .join(ChainLink, ChainLink.id == ChainNode.link_id)
        .join(Chain, Chain.id == ChainNode.chain_id)
    )


def node_choices(blank: str | None = None) -> list[tuple[int, str]]:
    """Every node of the active chains as '链 · 环节 · 节点', for the entry form."""
    rows = db.session.execute(
        _labelled()
        .where(Chain.active.is_(True))
        .order_by(Chain.sort, Chain.id, ChainLink.sort, ChainLink.id, ChainNode.sort, ChainNode.id)
    ).all()
    choices = [(i, f"{chain} · {link} · {node}") for i, chain, link, node in rows]
    return [(0, blank), *choices] if blank is not None else choices


def node_label(node_id: int | None) -> str | None:
    if not node_id:
        return None
    row = db.session.execute(_labelled().where(ChainNode.id == node_id)).first()
    return f"{row[1]} · {row[2]} · {row[3]}" if row else None
