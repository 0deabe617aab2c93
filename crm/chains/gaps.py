"""Gap analysis of the industry chains (补链): per node, its local firms, the targets that would fill it (by stage
and light), their signed projects and verified 到位资金; per chain, counts and a score.

A node is *covered* when a local firm is on it or a target on it has signed a (live) project; it *has targets* when
a target is being worked for it; it is a *gap* when it has neither a local firm nor a target. A node is *filled this
year* when a project signed this year came from a target on it. The score weighs a covered node 1 and a node with
targets only ½, out of the chain's nodes (0–100).

Counts are city-wide (a gap is the city's, whoever looks); the targets listed by name are those the user may see.
Every figure is one grouped statement over all the nodes asked for, whatever their number."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from crm.auth.models import User
from crm.chains.models import Chain, ChainEvent, ChainLink, ChainNode, ChainRegion, NodeFirm
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.figure_cache import Cached, FigureCache, scope_key, ttl
from crm.plans.lights import light_clause
from crm.projects.models import Project
from crm.refdata.models import Region
from crm.scope import entry_scope
from crm.vocab import HOLDING_STATES
from crm.whitelist.models import WhitelistEntry

GAP, TARGETED, COVERED = "gap", "targeted", "covered"


@dataclass
class NodeFigures:
    """The city-wide figures of one node."""

    firms: int = 0
    leaders: int = 0
    targets: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    red: int = 0
    yellow: int = 0
    projects: int = 0
    funds: int = 0  # verified 到位资金, 万元
    signed_this_year: int = 0

    @property
    def status(self) -> str:
        if self.firms or self.projects:
            return COVERED
        return TARGETED if self.targets else GAP


@dataclass(frozen=True)
class Ref:
    id: int
    name: str
    uscc: str | None = None


@dataclass(frozen=True)
class NodeTarget:
    """A target on a node as the chain pages show it (read as plain columns: a chain lists hundreds)."""

    id: int
    state: str
    enterprise: Ref
    region: Ref


@dataclass
class NodeRow:
    node: ChainNode
    figures: NodeFigures
    firms: list[NodeFirm] = field(default_factory=list)
    targets: list[NodeTarget] = field(default_factory=list)  # those the user may see

    @property
    def status(self) -> str:
        return self.figures.status


@dataclass
class Score:
    nodes: int = 0
    covered: int = 0
    targeted: int = 0  # nodes with targets in progress (covered or not)
    gaps: int = 0
    filled_this_year: int = 0
    leaders: int = 0  # nodes with a 链主

    @property
    def value(self) -> int:
        if not self.nodes:
            return 0
        targeted_only = self.nodes - self.covered - self.gaps
        return round(100 * (self.covered + targeted_only / 2) / self.nodes)

    def add(self, f: NodeFigures) -> None:
        self.nodes += 1
        self.covered += f.status == COVERED
        self.gaps += f.status == GAP
        self.targeted += bool(f.targets)
        self.filled_this_year += bool(f.signed_this_year)
        self.leaders += bool(f.leaders)


@dataclass
class ChainGaps:
    chain: Chain
    rows: list[NodeRow]
    score: Score

    @property
    def gaps_first(self) -> list[NodeRow]:
        order = {GAP: 0, TARGETED: 1, COVERED: 2}
        return sorted(self.rows, key=lambda r: order[r.status])  # stable: link and node order within each


def node_figures(
    node_ids: Select[int] | list[int],
    year: int,
    today: date,
    lights: bool = True,
    light_ids: list[int] | None = None,
) -> dict[int, NodeFigures]:
    """The figures of the nodes whose ids `node_ids` (a list or a subquery) yields; without `lights` the red and
    yellow counts (the costliest statements, which no score uses) are left at 0. `light_ids`, the same nodes as a
    list, serves the light counts (PostgreSQL plans their clause better over literal ids: 3 ms instead of 10)."""
    figures: dict[int, NodeFigures] = defaultdict(NodeFigures)
    node_id: int | None  # an entry's node is nullable (the statements keep the entries on these nodes)
    firms = select(NodeFirm.node_id, NodeFirm.role, func.count()).where(NodeFirm.node_id.in_(node_ids))
    for node_id, role, n in db.session.execute(firms.group_by(NodeFirm.node_id, NodeFirm.role)):
        figures[node_id].firms += n
        figures[node_id].leaders += n if role == "leader" else 0
    held = and_(WhitelistEntry.chain_node_id.in_(node_ids), WhitelistEntry.state.in_(HOLDING_STATES))
    by_state = select(WhitelistEntry.chain_node_id, WhitelistEntry.state, func.count()).where(held)
    for node_id, state, n in db.session.execute(
        by_state.group_by(WhitelistEntry.chain_node_id, WhitelistEntry.state)
    ):
        assert node_id is not None  # the entries on these nodes
        figures[node_id].targets += n
        figures[node_id].by_state[state] = n
    lit_nodes = WhitelistEntry.chain_node_id.in_(light_ids if light_ids is not None else node_ids)
    for colour in ("red", "yellow") if lights else ():
        lit = select(WhitelistEntry.chain_node_id, func.count()).where(
            lit_nodes, WhitelistEntry.state.in_(HOLDING_STATES), light_clause(colour, today)
        )
        for node_id, n in db.session.execute(lit.group_by(WhitelistEntry.chain_node_id)):
            assert node_id is not None  # the entries on these nodes
            setattr(figures[node_id], colour, n)
    year_start, next_year = date(year, 1, 1), date(year + 1, 1, 1)
    projects = (
        select(
            WhitelistEntry.chain_node_id,
            func.count(Project.id),
            func.coalesce(func.sum(Project.funds_verified), 0),
            func.count(Project.id).filter(Project.signed_on >= year_start, Project.signed_on < next_year),
        )
        .join(WhitelistEntry, WhitelistEntry.id == Project.entry_id)
        .where(WhitelistEntry.chain_node_id.in_(node_ids), Project.state != "terminated")
        .group_by(WhitelistEntry.chain_node_id)
    )
    for node_id, n, funds, this_year in db.session.execute(projects):
        assert node_id is not None  # the entries on these nodes
        f = figures[node_id]
        f.projects, f.funds, f.signed_this_year = n, int(funds), this_year
    return figures


def chain_gaps(user: User, chain: Chain, today: date, node_id: int | None = None) -> ChainGaps:
    """Every node of `chain` (or only the node `node_id`) with its figures, local firms and the targets `user`
    may see. The nodes are given to the grouped statements as a subquery, not a list of ids: with a list
    PostgreSQL guesses many targets per node and reads every project instead of those of the chain's targets."""
    query = select(ChainNode.id).where(ChainNode.chain_id == chain.id)
    if node_id is not None:
        query = query.where(ChainNode.id == node_id)
    nodes = list(
        db.session.scalars(
            select(ChainNode)
            .join(ChainLink, ChainLink.id == ChainNode.link_id)
            .where(ChainNode.id.in_(query))
            .options(contains_eager(ChainNode.link))
            .order_by(ChainLink.sort, ChainLink.id, ChainNode.sort, ChainNode.id)
        )
    )
    figures = node_figures(query, today.year, today, light_ids=[n.id for n in nodes])
    firms: dict[int, list[NodeFirm]] = defaultdict(list)
    for firm in db.session.scalars(
        select(NodeFirm)
        .where(NodeFirm.node_id.in_(query))
        .options(lazyload(NodeFirm.node))
        .order_by(NodeFirm.id)
    ):
        firms[firm.node_id].append(firm)
    targets: dict[int, list[NodeTarget]] = defaultdict(list)
    visible = (
        select(WhitelistEntry.chain_node_id, WhitelistEntry.id, WhitelistEntry.state, Enterprise.id,
               Enterprise.name, Enterprise.uscc, Region.id, Region.name)
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .join(Region, Region.id == WhitelistEntry.region_id)
        .where(
            WhitelistEntry.chain_node_id.in_(query), WhitelistEntry.state.in_(HOLDING_STATES), entry_scope(user)
        )
        .order_by(WhitelistEntry.id)
    )  # fmt: skip
    for node_id, entry_id, state, ent_id, ent_name, uscc, region_id, region_name in db.session.execute(
        visible
    ):
        assert node_id is not None  # the entries on these nodes
        targets[node_id].append(
            NodeTarget(entry_id, state, Ref(ent_id, ent_name, uscc), Ref(region_id, region_name))
        )
    score = Score()
    rows = []
    for node in nodes:
        f = figures.get(node.id, NodeFigures())
        score.add(f)
        rows.append(NodeRow(node, f, firms[node.id], targets[node.id]))
    return ChainGaps(chain, rows, score)


def scores(chain_ids: list[int], today: date) -> dict[int, Score]:
    """The score of each chain in `chain_ids` (for the chain list and the dashboard): a handful of statements."""
    node_chain = dict(
        db.session.execute(
            select(ChainNode.id, ChainNode.chain_id).where(ChainNode.chain_id.in_(chain_ids))
        ).all()
    )
    figures = node_figures(
        select(ChainNode.id).where(ChainNode.chain_id.in_(chain_ids)), today.year, today, False
    )
    result = {chain_id: Score() for chain_id in chain_ids}
    for node_id, chain_id in node_chain.items():
        result[chain_id].add(figures.get(node_id, NodeFigures()))
    return result


def cached_scores(today: date) -> Cached:
    """Every chain's score, kept for the dashboard's TTL (the scores are city-wide: one entry serves everyone).
    The key holds the day and the chains' last edit, so a chain edited (a node or firm added) is scored afresh at
    once in every worker; targets and projects moving show within the TTL, and the page says when it computed."""
    last_edit = db.session.scalar(select(func.max(ChainEvent.id)))
    cache = current_app.extensions.setdefault("chain_score_cache", FigureCache())

    def compute() -> dict[int, Score]:
        return scores(list(db.session.scalars(select(Chain.id))), today)

    return cache.get((today.isoformat(), last_edit), ttl(), compute)


def node_status(node_id: int, today: date) -> NodeFigures:
    """One node's figures (an entry's page says whether the node it fills is a gap)."""
    return node_figures([node_id], today.year, today).get(node_id, NodeFigures())


@dataclass(frozen=True)
class LeaderNode:
    node_id: int
    name: str
    county: str


@dataclass
class ChainSummary:
    """A chain's line on the dashboard, in plain values (the dashboard's cache keeps it between requests)."""

    chain_id: int
    name: str
    score: Score
    leader_nodes: list[LeaderNode] = field(default_factory=list)  # nodes with a local 链主, and its county


def summaries(user: User, today: date) -> list[ChainSummary]:
    """The active chains for the dashboard, each with its score and the nodes that have a local 链主 (and in which
    county): every chain for a manager, those their county carries or holds a 链主 on for a county head."""
    query = select(Chain.id, Chain.name).where(Chain.active.is_(True)).order_by(Chain.sort, Chain.id)
    if user.role == "county_head":
        carried = select(ChainRegion.chain_id).where(ChainRegion.region_id == user.region_id)
        leads = (
            select(ChainNode.chain_id)
            .join(NodeFirm, NodeFirm.node_id == ChainNode.id)
            .where(NodeFirm.region_id == user.region_id)
        )
        query = query.where(or_(Chain.id.in_(carried), Chain.id.in_(leads)))
    chains = db.session.execute(query).all()
    if not chains:
        return []
    by_chain = scores([chain_id for chain_id, _name in chains], today)
    result = {chain_id: ChainSummary(chain_id, name, by_chain[chain_id]) for chain_id, name in chains}
    leaders = (
        select(ChainNode.chain_id, ChainNode.id, ChainNode.name, Region.name)
        .join(NodeFirm, NodeFirm.node_id == ChainNode.id)
        .join(Region, Region.id == NodeFirm.region_id)
        .where(ChainNode.chain_id.in_(list(result)), NodeFirm.role == "leader")
        .distinct()
        .order_by(ChainNode.chain_id, ChainNode.id, Region.name)
    )
    for chain_id, node_id, node_name, county in db.session.execute(leaders):
        result[chain_id].leader_nodes.append(LeaderNode(node_id, node_name, county))
    return list(result.values())


def cached_summaries(user: User, today: date) -> list[ChainSummary]:
    """summaries() kept for the dashboard's TTL per scope and day, like the dashboard's own figures."""
    key = scope_key(user)
    if key is None:
        return summaries(user, today)
    cache = current_app.extensions.setdefault("chain_summary_cache", FigureCache())  # beside the figures' own
    return cache.get((key, today.isoformat()), ttl(), lambda: summaries(user, today)).value
