"""Writing to and reading from users' in-app inboxes."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from flask import has_request_context, request
from sqlalchemy import CursorResult, event, func, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from crm.auth.models import User
from crm.auth.sessions import UNREAD_AT_LOAD
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.reminders.models import PENDING, ChannelPreference, Notification


def notify(users: Iterable[User], *, kind: str, title: str, now: datetime, entry_id: int | None = None,
           body: str | None = None, key: str | None = None, teams: Iterable = ()) -> int:  # fmt: skip
    """Put one message per distinct user in their inbox at once, and, under `key`, queue the same notice in the
    outbox for email (users with an address who want it) and for the teams' group robots. No commit: it belongs
    to the caller's transaction, so a refused change notifies nobody."""

    seen: dict[int, User] = {}
    for user in users:
        if user is not None and user.id not in seen:
            seen[user.id] = user
            db.session.add(
                InboxItem(
                    user_id=user.id, entry_id=entry_id, kind=kind, title=title, body=body, created_at=now
                )
            )
    if key:
        no_email = set(db.session.scalars(select(ChannelPreference.user_id).where(
            ChannelPreference.user_id.in_(seen), ChannelPreference.email.is_(False))))  # fmt: skip
        common = {"entry_id": entry_id, "kind": kind, "title": title, "body": body, "status": PENDING,
                  "next_attempt_at": now, "created_at": now}  # fmt: skip
        for user in seen.values():
            if user.email and user.id not in no_email:
                db.session.add(Notification(dedupe_key=f"{key}:{user.id}:email", channel="email", user_id=user.id,
                                            **common))  # fmt: skip
        for team in {t.id: t for t in teams if t is not None and t.webhook_url}.values():
            db.session.add(Notification(dedupe_key=f"{key}:webhook:{team.id}", channel="webhook", team_id=team.id,
                                        **common))  # fmt: skip
    return len(seen)


def unread_count(user: User) -> int:
    query = select(func.count()).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None))
    return cast(int, db.session.scalar(query))  # count() always yields a row


def unread_for_navigation(user: User) -> int:
    """The count the navigation shows: the one read with the signed-in user (crm.auth.sessions) unless this
    request has written to an inbox since (a message read, one delivered), then counted again."""
    if (
        not has_request_context()
        or request.__dict__.get(WROTE_INBOX)
        or any(
            isinstance(o, InboxItem) for o in db.session.new
        )  # added, not yet flushed: counting flushes them
    ):
        return unread_count(user)
    known = request.__dict__.get(UNREAD_AT_LOAD, {}).get(user.id)
    return unread_count(user) if known is None else known


WROTE_INBOX = "wrote_inbox"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: UOWTransaction) -> None:
    if has_request_context() and any(
        isinstance(o, InboxItem) for o in (*session.new, *session.dirty, *session.deleted)
    ):
        request.__dict__[WROTE_INBOX] = True


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    if (
        (state.is_update or state.is_delete or state.is_insert)
        and has_request_context()
        and (
            any(m.class_ is InboxItem for m in state.all_mappers)
            or getattr(state.statement, "table", None) is InboxItem.__table__  # insert(InboxItem.__table__) …
        )
    ):
        request.__dict__[WROTE_INBOX] = True


def mark_read(user: User, now: datetime, item_id: int | None = None) -> int:
    """Mark one of the user's messages (or all of them) read; returns how many changed."""
    query = (
        update(InboxItem).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None)).values(read_at=now)
    )
    if item_id is not None:
        query = query.where(InboxItem.id == item_id)
    changed = cast(CursorResult[Any], db.session.execute(query)).rowcount  # an UPDATE's result
    db.session.commit()
    return changed
