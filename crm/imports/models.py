"""An import of a spreadsheet, and what each of its rows did (so the import can be reverted)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow


class ImportBatch(Model):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # enterprises | proposals | projects | arrivals
    filename: Mapped[str] = mapped_column(String(200))
    rows_total: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="committed")  # committed | reverted
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    created_by = relationship("User", lazy="joined", foreign_keys=[created_by_id])
    items = relationship("ImportItem", back_populates="batch", order_by="ImportItem.row_number")

    __mapper_args__ = {"version_id_col": version}


class ImportItem(Model):
    """One row of an import that changed something: the enterprise it created or updated (with the fields before
    the update, as JSON) and the proposal it made."""

    __tablename__ = "import_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    row_number: Mapped[int]
    action: Mapped[str] = mapped_column(String(10))  # created | updated
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("whitelist_entries.id"), index=True)
    before: Mapped[str | None] = mapped_column(Text)

    batch = relationship("ImportBatch", back_populates="items")
