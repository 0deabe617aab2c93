"""What users do with reminders: acknowledge a 督办, choose channels, mute a target."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.history import record_event
from crm.reminders.models import ChannelPreference, Escalation, Mute
from crm.vocab import SEVERITY_WORDS, Action


def my_escalations(user: User) -> list[Escalation]:
    query = (
        select(Escalation)
        .where(Escalation.recipient_id == user.id)
        .order_by(
            (Escalation.acknowledged_at.isnot(None)) | (Escalation.closed_at.isnot(None)),
            Escalation.created_at.desc(),
        )
    )
    return list(db.session.scalars(query))


def acknowledge(user: User, escalation: Escalation, note: str | None, now: datetime) -> Escalation:
    if escalation.recipient_id != user.id:
        raise DomainError(_("This 督办 is not addressed to you."))
    if escalation.acknowledged_at is None and escalation.closed_at is None:  # a closed one needs nothing more
        escalation.acknowledged_at, escalation.note = now, (note or "").strip() or None
        task = escalation.task
        record_event(enterprise_id=task.entry.enterprise_id, entry_id=task.entry_id, actor=user, at=now,
                     action=Action.ESCALATION_ACK,
                     detail=f"{task.title}（{SEVERITY_WORDS[escalation.severity]}）{('：' + escalation.note) if escalation.note else ''}")  # fmt: skip
        db.session.commit()
    return escalation


def preferences(user: User) -> ChannelPreference:
    return db.session.get(ChannelPreference, user.id) or ChannelPreference(
        user_id=user.id, email=True, digest=True
    )


def save_preferences(user: User, email: bool, digest: bool) -> None:
    pref = preferences(user)
    pref.email, pref.digest = email, digest
    db.session.add(pref)
    db.session.commit()


def set_mute(user: User, entry_id: int, muted: bool, now: datetime) -> None:
    row = db.session.get(Mute, (user.id, entry_id))
    if muted and row is None:
        db.session.add(Mute(user_id=user.id, entry_id=entry_id, created_at=now))
    elif not muted and row is not None:
        db.session.delete(row)
    db.session.commit()


def is_muted(user: User, entry_id: int) -> bool:
    return db.session.get(Mute, (user.id, entry_id)) is not None
