"""The industry-chain endpoints: the chains with their scores, and one chain's gap analysis (crm.chains.gaps,
whose target names go through crm.scope like the chain page)."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.api import chain_schemas as cs
from crm.api.operations import operation
from crm.auth.models import User
from crm.chains import gaps
from crm.chains.models import Chain
from crm.extensions import db
from crm.types import local_date, utcnow

CHAINS = "chains"


@operation(
    "/chains", tag=CHAINS, summary=_l("The industry chains with their scores"), response=cs.ChainListSchema
)
def list_chains(user: User):
    chains = list(db.session.scalars(select(Chain).order_by(Chain.active.desc(), Chain.sort, Chain.id)))
    scores = gaps.cached_scores(local_date(utcnow())).value
    for chain in chains:
        shown: Any = chain  # the response schema reads attributes the model does not declare
        shown.score = scores.get(chain.id) or gaps.Score()
    return {"items": chains}


@operation("/chains/<int:chain_id>", tag=CHAINS,
           summary=_l("An industry chain's nodes with their local firms, targets, projects and funds, gaps first"),
           response=cs.ChainDetailSchema)  # fmt: skip
def get_chain(user: User, chain_id: int):
    chain = db.get_or_404(Chain, chain_id)
    analysis = gaps.chain_gaps(user, chain, local_date(utcnow()))
    shown: Any = chain  # the response schema reads attributes the model does not declare
    shown.score, shown.nodes = analysis.score, analysis.gaps_first
    return chain
