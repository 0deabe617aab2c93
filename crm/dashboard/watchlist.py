"""What needs the director's attention: red and yellow targets, and 督办 not yet acknowledged."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.plans.lights import Light, light_clause, lights_for
from crm.plans.models import Task
from crm.reminders.models import Escalation
from crm.scope import entry_scope
from crm.whitelist.drill import escalated_clause
from crm.whitelist.models import WhitelistEntry as E

from .figures import Figure

SHOWN = 10


@dataclass
class Watch:
    count: Figure
    entries: list[E] = field(default_factory=list)
    lights: dict[int, Light] = field(default_factory=dict)


@dataclass
class Orders:
    open_orders: int
    entries: Figure
    rows: list[Escalation]


def lights(user: User, today: date) -> dict[str, Watch]:
    """Red and yellow targets: counted in SQL, the longest-stuck shown with their reasons."""
    cal = WorkCalendar.load()
    out = {}
    for colour in ("red", "yellow"):
        clause = light_clause(colour, today, cal)
        count = db.session.scalar(select(func.count()).select_from(E).where(entry_scope(user), clause))
        shown = list(
            db.session.scalars(
                select(E).where(entry_scope(user), clause).order_by(E.state_changed_at, E.id).limit(SHOWN)
            )
        )
        out[colour] = Watch(Figure(count, {"light": colour}), shown, lights_for(shown, today, cal))
    return out


def open_orders(user: User) -> Orders:
    scoped = (
        select(Escalation)
        .join(E, E.id == Escalation.entry_id)
        .where(entry_scope(user), Escalation.acknowledged_at.is_(None))
    )
    total = db.session.scalar(select(func.count()).select_from(scoped.subquery()))
    entries = db.session.scalar(
        select(func.count()).select_from(E).where(entry_scope(user), escalated_clause())
    )
    severity = case({"red": 0, "yellow": 1}, value=Escalation.severity, else_=2)
    # Inner eager joins (every foreign key here is NOT NULL): outer ones made SQLite materialise every entry.
    shown = scoped.options(
        joinedload(Escalation.task, innerjoin=True).joinedload(Task.entry, innerjoin=True),
        joinedload(Escalation.recipient, innerjoin=True),
    )
    rows = list(db.session.scalars(shown.order_by(severity, Escalation.created_at).limit(SHOWN)))
    return Orders(total, Figure(entries, {"escalated": "1"}), rows)
