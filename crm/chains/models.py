"""Industry chains (产业链, 链长制): a chain's links (上游/中游/下游 or named segments) and nodes (a product or
capability), the local firms on each node, and the trail of edits. Targets fill a node through
WhitelistEntry.chain_node_id."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow

# A local firm's place on a node: the chain's lead firm, a backbone firm, a supplier.
LEADER, BACKBONE, SUPPLIER = "leader", "backbone", "supplier"
FIRM_ROLES = (LEADER, BACKBONE, SUPPLIER)


class Chain(Model):
    __tablename__ = "chains"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    chief_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # 链长 (a manager)
    lead_department: Mapped[str | None] = mapped_column(String(64))  # 牵头部门
    is_demo: Mapped[bool] = mapped_column(
        Boolean, default=False
    )  # seeded demo map, to verify with the bureau
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    chief = relationship("User", lazy="joined")
    links = relationship(
        "ChainLink",
        back_populates="chain",
        order_by="(ChainLink.sort, ChainLink.id)",
        cascade="all, delete-orphan",
    )
    regions = relationship("ChainRegion", cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def region_ids(self) -> list[int]:
        return [r.region_id for r in self.regions]


class ChainRegion(Model):
    """A county (or zone) that carries the chain."""

    __tablename__ = "chain_regions"

    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id"), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True, index=True)

    region = relationship("Region", lazy="joined")


class ChainLink(Model):
    """A link of the chain: 上游, 中游, 下游, or a named segment."""

    __tablename__ = "chain_links"
    __table_args__ = (UniqueConstraint("chain_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    sort: Mapped[int] = mapped_column(default=0)

    chain = relationship("Chain", back_populates="links")
    nodes = relationship(
        "ChainNode",
        back_populates="link",
        order_by="(ChainNode.sort, ChainNode.id)",
        cascade="all, delete-orphan",
    )


class ChainNode(Model):
    """A product or capability of the chain, tied to the industry tree."""

    __tablename__ = "chain_nodes"
    __table_args__ = (UniqueConstraint("chain_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(
        ForeignKey("chains.id"), index=True
    )  # the link's, for one-step counts
    link_id: Mapped[int] = mapped_column(ForeignKey("chain_links.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    sort: Mapped[int] = mapped_column(default=0)

    link = relationship("ChainLink", back_populates="nodes")
    chain = relationship("Chain")
    industry = relationship("Industry", lazy="joined")


class NodeFirm(Model):
    """A local firm on a node, with its role there (链主 / 骨干 / 配套) and the county it is in."""

    __tablename__ = "node_firms"
    __table_args__ = (
        UniqueConstraint("node_id", "enterprise_id"),
        Index("ix_node_firms_region_node", "region_id", "node_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("chain_nodes.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    role: Mapped[str] = mapped_column(String(10), default=SUPPLIER)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    node = relationship("ChainNode", lazy="joined")
    enterprise = relationship("Enterprise", lazy="joined", innerjoin=True)
    region = relationship("Region", lazy="joined", innerjoin=True)


class ChainEvent(Model):
    """One edit of a chain (its fields, links, nodes, counties or firms): who, when, what. Never edited."""

    __tablename__ = "chain_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User", lazy="joined")
