"""Saved views: who sees which, who may change them, and the changes themselves.

A view is its owner's; shared, it is seen by the audience its owner chose (a team of theirs, their county or the
city, by role). Anyone who sees a view may open, copy and pin it; the owner renames, re-shares, locks and deletes
it, and so may the others it is shared with while it is unlocked. The query a view keeps was cleaned by the list's
own parsing when saved (crm/saved_views/forms.py), and the list ignores what is no longer valid when it opens."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, delete, func, or_, select

from crm.auth.models import User
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.saved_views.models import LISTS, Audience, SavedView, SavedViewPin
from crm.scope import my_team_ids, team_ids_of
from crm.teams.models import Team
from crm.vocab import Role

NAME_LENGTH = 60
VIEWS_PER_USER = 50  # per list: a dropdown, not an archive
# The audience each role may share with, besides keeping a view private.
SHARES_WITH = {
    Role.MEMBER: Audience.TEAM,
    Role.LEAD: Audience.TEAM,
    Role.COUNTY_HEAD: Audience.COUNTY,
    Role.MANAGER: Audience.CITY,
}


@dataclass(frozen=True)
class Sharing:
    """Who a view is for: an audience code, and the team for "team"."""

    audience: str = Audience.PRIVATE
    team_id: int | None = None

    @classmethod
    def parse(cls, code: str) -> "Sharing":
        """'private', 'county', 'city' or 'team:<id>' (the form's values); anything else is private."""
        kind, _sep, team = (code or "").partition(":")
        if kind == Audience.TEAM and team.isdigit():
            return cls(Audience.TEAM, int(team))
        return cls(kind) if kind in (Audience.COUNTY, Audience.CITY) else cls()

    @property
    def code(self) -> str:
        return f"{Audience.TEAM}:{self.team_id}" if self.audience == Audience.TEAM else self.audience


def visible_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause on SavedView: the user's own views and those shared with them."""
    if user.role not in SHARES_WITH:  # the administrator works no list
        return SavedView.owner_id == user.id
    shared = [
        SavedView.audience == Audience.CITY,
        # members and leads: the team ids the scope reads once per request; others rarely belong to a team
        and_(
            SavedView.audience == Audience.TEAM,
            SavedView.team_id.in_(
                team_ids_of(user) if user.role in (Role.MEMBER, Role.LEAD) else my_team_ids(user)
            ),
        ),  # fmt: skip
    ]
    if user.region_id:
        shared.append(and_(SavedView.audience == Audience.COUNTY, SavedView.region_id == user.region_id))
    return or_(SavedView.owner_id == user.id, *shared)


def available_views(user: User, list_key: str = "whitelist") -> list[SavedView]:
    """The views of a list the user may open: their own first, then those shared with them, by name."""
    query = (
        select(SavedView)
        .where(SavedView.list_key == list_key, visible_clause(user))
        .order_by((SavedView.owner_id != user.id), SavedView.name, SavedView.id)
    )
    return list(db.session.scalars(query))


def visible_view(user: User, view_id: int) -> SavedView | None:
    return db.session.scalar(select(SavedView).where(SavedView.id == view_id, visible_clause(user)))


def pinned_views_for(user: User) -> list[SavedView]:
    """The views the user pinned to their start page and may still see, in the order they were pinned. Each has
    `url` (the list with its filters) and `name`; render them with templates/saved_views/_pins.html."""
    query = (
        select(SavedView)
        .join(SavedViewPin, and_(SavedViewPin.view_id == SavedView.id, SavedViewPin.user_id == user.id))
        .where(visible_clause(user))
        .order_by(SavedViewPin.pinned_at, SavedView.id)
    )
    return list(db.session.scalars(query))


def pinned_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(SavedViewPin.view_id).where(SavedViewPin.user_id == user.id)))


def may_change(user: User, view: SavedView) -> bool:
    """Rename, save the current filters into it, delete: the owner, or anyone it is shared with while unlocked
    (the caller has checked that the user sees it)."""
    return view.owner_id == user.id or (view.shared and not view.locked)


def is_owner(user: User, view: SavedView) -> bool:
    """Sharing and locking are the owner's alone."""
    return view.owner_id == user.id


def sharing_choices(user: User, teams: list[tuple[int, str]] | None = None) -> list[tuple[Sharing, str]]:
    """What the user may share a view with, each with its words (private first). `teams`: the user's active
    teams as (id, name) when the caller has them (the list page has read them for its filter)."""
    choices = [(Sharing(), _("Only me"))]
    audience = SHARES_WITH.get(Role(user.role))
    if audience == Audience.TEAM:
        if teams is None:
            mine = select(Team.id, Team.name).where(Team.id.in_(my_team_ids(user)), Team.active)
            teams = [(tid, name) for tid, name in db.session.execute(mine.order_by(Team.name))]
        choices += [(Sharing(Audience.TEAM, tid), _("Team %(name)s", name=name)) for tid, name in teams]
    elif audience == Audience.COUNTY and user.region_id:
        choices.append((Sharing(Audience.COUNTY), _("My county")))
    elif audience == Audience.CITY:
        choices.append((Sharing(Audience.CITY), _("The whole city")))
    return choices


def _check_sharing(user: User, sharing: Sharing) -> None:
    if sharing not in {choice for choice, _words in sharing_choices(user)}:
        raise DomainError(_("You cannot share a view with that audience."))


def _check_name(user: User, name: str, list_key: str, view_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the view a name."))
    if len(name) > NAME_LENGTH:
        raise DomainError(_("A view's name has at most %(n)d characters.", n=NAME_LENGTH))
    taken = select(SavedView.id).where(
        SavedView.owner_id == user.id, SavedView.list_key == list_key, SavedView.name == name
    )
    if db.session.scalar(taken if view_id is None else taken.where(SavedView.id != view_id)) is not None:
        raise DomainError(_("You already have a view named %(name)s.", name=name))
    return name


def _apply_sharing(view: SavedView, owner: User, sharing: Sharing, locked: bool) -> None:
    view.audience = sharing.audience
    view.team_id = sharing.team_id
    view.region_id = owner.region_id if sharing.audience == Audience.COUNTY else None
    view.locked = locked and sharing.audience != Audience.PRIVATE  # a private view has nobody to lock out


def create_view(
    actor: User, name: str, query: str, now: datetime, sharing: Sharing | None = None, locked: bool = False,
    list_key: str = "whitelist",
) -> SavedView:  # fmt: skip
    """Save `query` (already cleaned by the list's parsing) under `name` for `actor`."""
    if list_key not in LISTS:
        raise DomainError(_("This list cannot be saved as a view."))
    sharing = sharing or Sharing()
    _check_sharing(actor, sharing)
    count = db.session.scalar(
        select(func.count(SavedView.id)).where(SavedView.owner_id == actor.id, SavedView.list_key == list_key)
    )
    if (count or 0) >= VIEWS_PER_USER:
        raise DomainError(_("You have %(n)d views already: delete one first.", n=VIEWS_PER_USER))
    view = SavedView(owner_id=actor.id, list_key=list_key, params=query, created_at=now, updated_at=now)
    view.name = _check_name(actor, name, list_key)
    _apply_sharing(view, actor, sharing, locked)
    db.session.add(view)
    db.session.commit()
    return view


def _check_version(view: SavedView, version: int) -> None:
    if view.version != version:
        raise StaleRecord(_("Someone else changed this view: reload the page."))


def save_query(actor: User, view: SavedView, query: str, version: int, now: datetime) -> None:
    """Replace the view's filters, sort and columns with `query` (the list as the user sees it now)."""
    if not may_change(actor, view):
        raise Forbidden(_("This view is locked by its owner: save a copy instead."))
    _check_version(view, version)
    view.params, view.updated_at = query, now
    db.session.commit()


def edit_view(
    actor: User,
    view: SavedView,
    name: str,
    sharing: Sharing | None,
    locked: bool | None,
    version: int,
    now: datetime,
) -> None:
    """Rename; the owner also re-shares and locks or unlocks (`sharing`/`locked` None: left as they are)."""
    if not may_change(actor, view):
        raise Forbidden(_("This view is locked by its owner: save a copy instead."))
    _check_version(view, version)
    new_sharing = sharing if sharing is not None else Sharing(view.audience, view.team_id)
    new_locked = view.locked if locked is None else locked
    changes_sharing = (new_sharing.code, new_locked) != (
        Sharing(view.audience, view.team_id).code,
        view.locked,
    )
    if changes_sharing and not is_owner(actor, view):
        raise Forbidden(_("Only the owner shares or locks a view."))
    view.name = _check_name(view.owner, name, view.list_key, view.id)
    if changes_sharing:
        if new_sharing.code != Sharing(view.audience, view.team_id).code:
            _check_sharing(actor, new_sharing)
        _apply_sharing(view, actor, new_sharing, new_locked)
    view.updated_at = now
    db.session.commit()


def delete_view(actor: User, view: SavedView) -> None:
    if not may_change(actor, view):
        raise Forbidden(_("This view is locked by its owner: save a copy instead."))
    db.session.execute(delete(SavedViewPin).where(SavedViewPin.view_id == view.id))
    db.session.delete(view)
    db.session.commit()


def copy_view(actor: User, view: SavedView, now: datetime) -> SavedView:
    """A private copy of a view the actor sees, named after it (with a number when the name is taken)."""
    taken = set(
        db.session.scalars(
            select(SavedView.name).where(SavedView.owner_id == actor.id, SavedView.list_key == view.list_key)
        )
    )
    base = _("%(name)s (copy)", name=view.name)[:NAME_LENGTH]
    name, n = base, 2
    while name in taken:
        name, n = f"{base[: NAME_LENGTH - 4]} {n}", n + 1
    return create_view(actor, name, view.params, now, list_key=view.list_key)


def set_pinned(actor: User, view: SavedView, pinned: bool, now: datetime) -> None:
    """Pin the view to the actor's start page, or take it off."""
    pin = db.session.get(SavedViewPin, (actor.id, view.id))
    if pinned and pin is None:
        db.session.add(SavedViewPin(user_id=actor.id, view_id=view.id, pinned_at=now))
    elif not pinned and pin is not None:
        db.session.delete(pin)
    db.session.commit()
