"""The event trail: every change is written here, and stale-write messages are built from it; the audit trail's
rows are append-only (the ORM refuses to change or delete them)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

from flask_babel import gettext as _
from sqlalchemy import Connection, event, inspect, select
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.exc import StaleDataError

from crm.auth.models import LoginAttempt, User
from crm.chains.models import ChainEvent
from crm.enterprises.models import EnterpriseMerge
from crm.errors_domain import StaleRecord
from crm.extensions import db
from crm.formatting import local_time
from crm.instructions.models import InstructionStep
from crm.teams.models import Assignment
from crm.vocab import FIELD_LABELS, Action
from crm.whitelist.models import Event


def record_event(
    *,
    enterprise_id: int,
    actor: User | None,
    at: datetime,
    action: Action,
    entry_id: int | None = None,
    project_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> Event:
    event = Event(
        enterprise_id=enterprise_id,
        entry_id=entry_id,
        project_id=project_id,
        actor_id=actor.id if actor else None,
        at=at,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        detail=detail,
    )
    db.session.add(event)
    return event


def describe_changes(before: dict, after: dict) -> str | None:
    """'field: old → new' lines for the fields that changed, or None."""
    lines = [
        f"{FIELD_LABELS.get(key, key)}: {before[key] if before[key] not in (None, '') else '—'} → "
        f"{after[key] if after[key] not in (None, '') else '—'}"
        for key in after
        if before.get(key) != after[key]
    ]
    return "\n".join(lines) or None


def stale_message(*, enterprise_id: int | None = None, entry_id: int | None = None) -> str:
    """'X changed this record at T; reload' from the latest event on the record."""
    query = select(Event).order_by(Event.id.desc()).limit(1)
    query = (
        query.where(Event.entry_id == entry_id)
        if entry_id
        else query.where(Event.enterprise_id == enterprise_id)
    )
    return stale_words(db.session.scalar(query))


class TrailRow(Protocol):
    """A row of a trail: who did it (a User, or None when unknown) and when."""

    @property
    def actor(self) -> User | None: ...

    @property
    def at(self) -> datetime: ...


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


def stale_words(last: TrailRow | None) -> str:
    """The stale-edit message from the record's latest trail row (anything with `actor` and `at`; None: unknown)."""
    if last is None or last.actor is None:
        return _("Someone else changed this record after you opened it. Reload the page and try again.")
    return _(
        "%(name)s changed this record at %(time)s, after you opened it. "
        "Reload the page to see the change, then try again.",
        name=last.actor.full_name,
        time=local_time(last.at),
    )


def check_version(record: Versioned, expected_version: int | None, **ids: int | None) -> None:
    """Refuse a write based on an old copy. None means an internal caller that holds the current record."""
    if expected_version is not None and record.version != expected_version:
        raise StaleRecord(stale_message(**ids))


@contextmanager
def stale_guard(**ids: int | None) -> Iterator[None]:
    """Run a unit of work; if a concurrent writer bumped the version first (at any flush or the commit), roll back
    and raise StaleRecord naming who changed the record."""
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise StaleRecord(stale_message(**ids)) from None


class HistoryIsImmutable(RuntimeError):
    """Code tried to change or delete a row of the audit trail (a programming error, never a user's)."""


# The audit trail, and the columns each model may still have changed on an existing row: an enterprise merge
# re-points the duplicate's events and earlier merge records at the survivor (crm/enterprises/merge.py), and a
# login attempt, written as a failure before the password is checked, becomes a success (or is marked throttled:
# refused unchecked because it came too soon).
APPEND_ONLY = {
    Event: frozenset({"enterprise_id"}),
    Assignment: frozenset(),
    EnterpriseMerge: frozenset({"survivor_id"}),
    LoginAttempt: frozenset({"succeeded", "throttled"}),
    ChainEvent: frozenset(),
    InstructionStep: frozenset(),
}


def _refuse_update(mapper: Mapper[Any], connection: Connection, target: object) -> None:
    state = inspect(target)
    changed = {a.key for a in mapper.column_attrs if state.attrs[a.key].history.has_changes()}
    forbidden = changed - APPEND_ONLY[mapper.class_]
    if forbidden:
        raise HistoryIsImmutable(
            f"{mapper.class_.__name__} rows are never edited ({', '.join(sorted(forbidden))})"
        )


def _refuse_delete(mapper: Mapper[Any], connection: Connection, target: object) -> None:
    raise HistoryIsImmutable(f"{mapper.class_.__name__} rows are never deleted")


# Unit-of-work flushes only: set-based UPDATE/DELETE statements do not pass here. The two that touch the trail are
# deliberate and tested (tests/security/test_audit_trail.py): the merge's re-pointing, and an import revert,
# which removes the proposals it made together with their events.
for _model in APPEND_ONLY:
    event.listen(_model, "before_update", _refuse_update)
    event.listen(_model, "before_delete", _refuse_delete)
