"""A saved view of a list and the users who pinned it."""

from datetime import datetime
from urllib.parse import urlencode

from flask import url_for
from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow

# The lists a view can be saved from: key → the list's endpoint.
LISTS = {"whitelist": "whitelist.index"}


class Audience:
    """Who sees a view besides its owner (by role: a member or lead shares with a team of theirs, a county head
    with their county, a manager with the city)."""

    PRIVATE = "private"
    TEAM = "team"
    COUNTY = "county"
    CITY = "city"


class SavedView(Model):
    """A list's query string (filters, sort, visible columns: cleaned by the list's own parsing when saved) under
    a name. A shared view may be locked by its owner: the others use and copy it but do not change it."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("owner_id", "list_key", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    list_key: Mapped[str] = mapped_column(String(20), default="whitelist")
    name: Mapped[str] = mapped_column(String(60))
    params: Mapped[str] = mapped_column(
        "query", Text, default=""
    )  # the query string, e.g. "region=3&light=red&sort=name"
    audience: Mapped[str] = mapped_column(String(10), default=Audience.PRIVATE)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)  # audience "team"
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)  # audience "county"
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner = relationship("User", lazy="joined", innerjoin=True)
    team = relationship("Team", lazy="select")
    region = relationship("Region", lazy="select")
    pins = relationship("SavedViewPin", cascade="all, delete-orphan", passive_deletes=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def url(self) -> str:
        """The list with the view's filters, sort and columns (and the view's id, so the list names it)."""
        base = url_for(LISTS.get(self.list_key, "whitelist.index"))
        query = "&".join(part for part in (self.params, urlencode({"view": self.id})) if part)
        return f"{base}?{query}"

    @property
    def shared(self) -> bool:
        return self.audience != Audience.PRIVATE


class SavedViewPin(Model):
    """A view pinned by a user to their start page (their own view, or one shared with them)."""

    __tablename__ = "saved_view_pins"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    view_id: Mapped[int] = mapped_column(
        ForeignKey("saved_views.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
