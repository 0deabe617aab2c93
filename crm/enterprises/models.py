"""Enterprises (with their group parent), their categories and their contact people."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model, pg_only_index
from crm.types import UTCDateTime, utcnow


class Enterprise(Model):
    __tablename__ = "enterprises"
    __table_args__ = (
        # Search by any part of the name, in its folded form (PostgreSQL's pg_trgm; migration b0d2f4a6c8e3, which
        # moved the index of c3e8f0a1b2d4 from the name as typed to its key).
        pg_only_index("ix_enterprises_name_key_trgm", "name_key", "gin", "gin_trgm_ops"),
        # The other terms of the search box (crm.enterprises.search; migration b8e2f4a6c1d3). On SQLite an FTS5
        # table does this, outside the models (crm.extensions.include_object leaves it out of the comparison).
        pg_only_index("ix_enterprises_name_en_trgm", "name_en", "gin", "gin_trgm_ops"),
        pg_only_index("ix_enterprises_name_initials_trgm", "name_initials", "gin", "gin_trgm_ops"),
        pg_only_index("ix_enterprises_uscc_prefix", "uscc", "btree", "varchar_pattern_ops"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    # Derived search keys, kept in step by crm.enterprises.names on every save.
    name_norm: Mapped[str] = mapped_column(String(128), index=True)
    name_initials: Mapped[str] = mapped_column(String(64), index=True)
    # The name in the normal form search and the duplicate check share (crm.enterprises.names.fold): full-width
    # and ASCII brackets, Traditional and Simplified characters, spacing and case make no difference.
    name_key: Mapped[str] = mapped_column(String(255), default="", server_default="")
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    hq: Mapped[str | None] = mapped_column(String(128))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"), index=True)
    website: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    # 'target' (an enterprise the campaign may go after) or 'local' (本地企业: a firm already in 聊城, placed on
    # industry chains' nodes; never recommended as a target).
    kind: Mapped[str] = mapped_column(String(10), default="target", server_default="target", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    parent = relationship("Enterprise", remote_side=[id], lazy="joined", join_depth=1)
    industry = relationship("Industry", lazy="joined")
    categories = relationship(
        "EnterpriseCategory", back_populates="enterprise", cascade="all, delete-orphan", lazy="selectin"
    )
    contacts = relationship(
        "Contact", back_populates="enterprise", cascade="all, delete-orphan", order_by="Contact.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def group_id(self) -> int:
        """The id the group rolls up to: the parent's, or this enterprise's own."""
        return self.parent_id or self.id

    def __str__(self) -> str:
        return self.name


class EnterpriseCategory(Model):
    __tablename__ = "enterprise_categories"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("category_tags.id"), primary_key=True, index=True)
    rank: Mapped[int | None]
    list_year: Mapped[int | None]

    enterprise = relationship("Enterprise", back_populates="categories")
    tag = relationship("CategoryTag", lazy="joined")

    @property
    def label(self) -> str:
        extra = []
        if self.list_year:
            extra.append(f"{self.list_year}年")
        if self.rank:
            extra.append(f"第{self.rank}位")
        return f"{self.tag.name}({'，'.join(extra)})" if extra else self.tag.name


class Contact(Model):
    """A person at the enterprise whom the teams talk to."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise = relationship("Enterprise", back_populates="contacts")


class EnterpriseMerge(Model):
    """The audit of a merge: which duplicate was folded into which surviving enterprise, by whom, and what moved.
    The duplicate row is deleted, so its name, credit code and id are kept here."""

    __tablename__ = "enterprise_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    merged_id: Mapped[int]  # the deleted enterprise's id (no foreign key: the row is gone)
    merged_name: Mapped[str] = mapped_column(String(128))
    merged_uscc: Mapped[str | None] = mapped_column(String(18))
    moved: Mapped[str] = mapped_column(
        Text
    )  # JSON: counts of entries, contacts, events, categories, subsidiaries
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User", lazy="joined")
