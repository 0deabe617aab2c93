"""Writing to and reading from users' in-app inboxes."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update

from crm.auth.models import User
from crm.extensions import db
from crm.inbox.models import InboxItem


def notify(users: Iterable[User], *, kind: str, title: str, now: datetime, entry_id: int | None = None,
           body: str | None = None) -> int:  # fmt: skip
    """Add one message per distinct user (no commit: it belongs to the caller's transaction)."""
    seen: set[int] = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        db.session.add(
            InboxItem(user_id=user.id, entry_id=entry_id, kind=kind, title=title, body=body, created_at=now)
        )
    return len(seen)


def unread_count(user: User) -> int:
    query = select(func.count()).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None))
    return db.session.scalar(query)


def mark_read(user: User, now: datetime, item_id: int | None = None) -> int:
    """Mark one of the user's messages (or all of them) read; returns how many changed."""
    query = (
        update(InboxItem).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None)).values(read_at=now)
    )
    if item_id is not None:
        query = query.where(InboxItem.id == item_id)
    changed = db.session.execute(query).rowcount
    db.session.commit()
    return changed
