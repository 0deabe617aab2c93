"""The event trail: every change is written here, and stale-write messages are built from it."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from crm.auth.models import User
from crm.errors_domain import StaleRecord
from crm.extensions import db
from crm.templating import local_time
from crm.vocab import FIELD_LABELS, Action
from crm.whitelist.models import Event


def record_event(
    *,
    enterprise_id: int,
    actor: User | None,
    at: datetime,
    action: Action,
    entry_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> Event:
    event = Event(
        enterprise_id=enterprise_id,
        entry_id=entry_id,
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
    last = db.session.scalar(query)
    if last is None or last.actor is None:
        return _("Someone else changed this record after you opened it. Reload the page and try again.")
    return _(
        "%(name)s changed this record at %(time)s, after you opened it. "
        "Reload the page to see the change, then try again.",
        name=last.actor.full_name,
        time=local_time(last.at),
    )


def check_version(record, expected_version: int | None, **ids) -> None:
    """Refuse a write based on an old copy. None means an internal caller that holds the current record."""
    if expected_version is not None and record.version != expected_version:
        raise StaleRecord(stale_message(**ids))


@contextmanager
def stale_guard(**ids) -> Iterator[None]:
    """Run a unit of work; if a concurrent writer bumped the version first (at any flush or the commit), roll back
    and raise StaleRecord naming who changed the record."""
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise StaleRecord(stale_message(**ids)) from None
