"""The pipeline as a kanban board: the list's entries (same scope, same filters) in columns by stage, or by light.

A column holds its total and the CARDS entries longest in their stage (the stuck ones are what a board is looked at
for); the rest are one click away in the filtered list. Moving a card goes through crm.projects.stages.advance, the
service the entry page's stage form uses, so a card moves only where the form would let it, with the same evidence.
"""

from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, false, func
from sqlalchemy.orm import joinedload, lazyload, selectinload

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.plans import policy as plan_policy
from crm.plans.lights import Light, light_clause, lights_for
from crm.projects import stages
from crm.types import local_date
from crm.vocab import PIPELINE, STATE_LABELS, WORKING_STATES, State
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.queries import Filters, filtered_entries

CARDS = 30
LIGHT_COLUMNS = ("red", "yellow", "green")
LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
# What a move to each stage asks for, beyond the rules stages.advance checks (the dialog's fields).
EVIDENCE_FIELDS: dict[str, tuple[str, ...]] = {
    State.CONTACTING: (),
    State.NEGOTIATING: (),
    State.SIGNED: ("on", "amount"),
    State.LANDED: ("on", "uscc"),
    State.STARTED: ("on",),
    State.PRODUCING: ("on",),
}


@dataclass
class Card:
    entry: WhitelistEntry
    light: Light | None
    days_in_stage: int
    next_state: str | None  # the stage a drag may move it to, when the user may move it
    needs: tuple[str, ...] = ()  # evidence fields for that move


@dataclass
class Column:
    key: str
    label: str
    total: int
    cards: list[Card] = field(default_factory=list)
    droppable: bool = False  # a stage a card can be moved into by hand
    list_args: dict[str, str] = field(default_factory=dict)  # the list's filter showing the whole column

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


def _board_filters(f: Filters) -> Filters:
    """The list's filters without the one the board's columns stand for."""
    return replace(f, state="", light="", sort="updated")


def _cards(user: User, query: Select, today: date) -> list[Card]:
    entries = list(
        db.session.scalars(
            query.options(
                lazyload("*"),
                joinedload(WhitelistEntry.enterprise).options(lazyload(Enterprise.parent), lazyload("*")),
                selectinload(WhitelistEntry.owner).lazyload("*"),
                selectinload(WhitelistEntry.team).lazyload("*"),
            )
        ).unique()
    )
    lights = lights_for([e for e in entries if e.state in WORKING_STATES], today)
    cards = []
    for entry in entries:
        movable = plan_policy.can_advance(user, entry)
        target = stages.next_stage(entry) if movable else None
        cards.append(
            Card(
                entry,
                lights.get(entry.id),
                (today - local_date(entry.state_changed_at)).days,
                target.value if target else None,
                EVIDENCE_FIELDS.get(target, ()) if target else (),
            )
        )
    return cards


def _longest_first(query: Select, limit: int) -> Select:
    return query.order_by(WhitelistEntry.state_changed_at, WhitelistEntry.id).limit(limit)


def stage_board(user: User, f: Filters, today: date, per_column: int = CARDS) -> list[Column]:
    """One column per pipeline stage, each with its total and its longest-waiting cards."""
    base = filtered_entries(user, _board_filters(f)).where(WhitelistEntry.state.in_(PIPELINE))
    totals = dict(
        db.session.execute(
            base.with_only_columns(WhitelistEntry.state, func.count(), maintain_column_froms=True).group_by(
                WhitelistEntry.state
            )
        ).all()
    )
    columns = []
    for state in PIPELINE:
        total = totals.get(state.value, 0)
        cards = _cards(user, _longest_first(base.where(WhitelistEntry.state == state), per_column), today)
        columns.append(Column(state.value, STATE_LABELS[state], total, cards if total else [],
                              droppable=state in stages.MANUAL, list_args={"state": state.value}))  # fmt: skip
    return columns


def light_board(user: User, f: Filters, today: date, per_column: int = CARDS) -> list[Column]:
    """Red, yellow and green columns of the targets being worked (lights are read, not set: no drops)."""
    base = filtered_entries(user, _board_filters(f)).where(WhitelistEntry.state.in_(WORKING_STATES))
    red, yellow = light_clause("red", today), light_clause("yellow", today)
    # A light clause can be NULL for an entry (no contact and no plan start yet): such an entry is green, as
    # light_for has it, so green is "not known red and not known yellow".
    wheres = {
        "red": red,
        "yellow": yellow,
        "green": ~func.coalesce(red, false()) & ~func.coalesce(yellow, false()),
    }
    columns = []
    for colour in LIGHT_COLUMNS:
        query = base.where(wheres[colour])
        total = db.session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True)) or 0
        cards = _cards(user, _longest_first(query, per_column), today) if total else []
        # The list filters red and yellow; green is what is left of the worked targets there.
        list_args = {"light": colour} if colour != "green" else {}
        columns.append(Column(colour, LIGHT_LABELS[colour], total, cards, list_args=list_args))
    return columns


def move_message(target: State) -> str:
    return _("Moved to %(stage)s.", stage=STATE_LABELS[target])
