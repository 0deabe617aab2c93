"""Reference data an administrator edits: regions, the industry tree, category tags and settings."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow


class Region(Model):
    """A county-level unit (GB/T 2260 code) or a functional zone."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="county")
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Industry(Model):
    """A node of the editable industry tree; the two flags feed the campaign's target ratios."""

    __tablename__ = "industries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    is_manufacturing: Mapped[bool] = mapped_column(default=False)
    is_emerging: Mapped[bool] = mapped_column(default=False)
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    parent = relationship("Industry", remote_side=[id], lazy="joined", join_depth=1)

    @property
    def path(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent else self.name

    def __str__(self) -> str:
        return self.name


class CategoryTag(Model):
    """An enterprise category (世界500强, 央企, 瞪羚 ...); 500强 lists carry a rank and list year."""

    __tablename__ = "category_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    group: Mapped[str] = mapped_column(String(32), default="other")
    has_rank: Mapped[bool] = mapped_column(default=False)
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Alias(Model):
    """Another way the bureau writes a county/zone or a category (经开区, 临清, 中国500强 …), as an administrator
    keeps it. `key` is the spelling in the resolver's normal form (crm.refdata.aliases.key), unique per kind."""

    __tablename__ = "ref_aliases"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        CheckConstraint(
            "(kind = 'region' AND region_id IS NOT NULL AND tag_id IS NULL)"
            " OR (kind = 'category' AND tag_id IS NOT NULL AND region_id IS NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # region | category
    alias: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("category_tags.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region = relationship("Region", lazy="joined")
    tag = relationship("CategoryTag", lazy="joined")
    created_by = relationship("User", lazy="joined")

    @property
    def target(self) -> "Region | CategoryTag":
        return self.region if self.kind == "region" else self.tag


class Setting(Model):
    """A named setting stored as text; crm.settings gives typed access with defaults."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
