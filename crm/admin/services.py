"""Saving reference data: uniqueness and tree checks with Chinese messages."""

import logging
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.auth import sessions
from crm.auth.models import User
from crm.auth.services import change_password, password_problem
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.refdata import aliases as names_rule
from crm.refdata.aliases import KINDS, ReferenceNames
from crm.refdata.industries import derive_group_flags
from crm.refdata.models import Alias, CategoryTag, Industry, Region
from crm.types import utcnow

log = logging.getLogger(__name__)


def _unique(model: type[Any], column: str, value: object, obj_id: int | None, label: str) -> None:
    col = getattr(model, column)
    clash = db.session.scalar(select(model.id).where(col == value, model.id != (obj_id or 0)))
    if clash:
        raise DomainError(_("%(label)s %(value)s is already in use.", label=label, value=value))


def save_user(user: User | None, data: dict) -> User:
    """Create or edit a user. A new password (the administrator's reset) ends the user's sessions everywhere and
    revokes their API tokens; so does switching the account off."""
    _unique(User, "username", data["username"], user.id if user else None, _("User name"))
    password = data.pop("password", None)
    problem = password_problem(password, data["username"]) if password else None
    if problem:
        raise DomainError(problem)
    user = user or User()
    data["is_active_flag"] = data.pop("active")
    data["region_id"] = data["region_id"] or None
    for key, value in data.items():
        setattr(user, key, value)
    if password:
        change_password(user, password, utcnow())
    if user.id is not None and not user.is_active_flag:
        sessions.end_all_sessions(user.id)
    db.session.add(user)
    db.session.commit()
    return user


def sign_out_everywhere(actor: User, user: User) -> int:
    """End every session of `user` on every device (a lost phone, a shared computer); returns how many ended."""
    ended = sessions.end_all_sessions(user.id)
    db.session.commit()
    log.info("user %s signed out everywhere (%d sessions) by user %s", user.id, ended, actor.id)
    return ended


def revoke_tokens_of(actor: User, user: User, now: datetime) -> int:
    """Revoke every usable API token of `user` (someone who leaves); returns how many were revoked."""
    revoked = sessions.revoke_api_tokens(user.id, now)
    db.session.commit()
    log.info("API tokens of user %s revoked (%d) by user %s", user.id, revoked, actor.id)
    return revoked


def save_region(region: Region | None, data: dict) -> Region:
    _unique(Region, "code", data["code"], region.id if region else None, _("Code"))
    _unique(Region, "name", data["name"], region.id if region else None, _("Name"))
    region = region or Region()
    for key, value in data.items():
        setattr(region, key, value)
    db.session.add(region)
    db.session.commit()
    return region


def save_industry(industry: Industry | None, data: dict) -> Industry:
    parent_id = data["parent_id"] or None
    if industry and parent_id:
        node = db.session.get(Industry, parent_id)
        while node is not None:  # walking up from the new parent must not meet the node itself
            if node.id == industry.id:
                raise DomainError(
                    _("An industry cannot be placed under itself or one of its sub-industries.")
                )
            node = node.parent
    data["parent_id"] = parent_id
    industry = industry or Industry()
    for key, value in data.items():
        setattr(industry, key, value)
    db.session.add(industry)
    db.session.flush()
    derive_group_flags()  # a group's flags follow its sub-industries (crm.refdata.industries)
    db.session.commit()
    return industry


def save_tag(tag: CategoryTag | None, data: dict) -> CategoryTag:
    _unique(CategoryTag, "code", data["code"], tag.id if tag else None, _("Code"))
    _unique(CategoryTag, "name", data["name"], tag.id if tag else None, _("Name"))
    tag = tag or CategoryTag()
    for key, value in data.items():
        setattr(tag, key, value)
    db.session.add(tag)
    db.session.commit()
    return tag


def add_alias(actor: User, kind: str, target_id: int, text: str, now: datetime) -> Alias:
    """Another spelling for a county/zone or a category. Refused when the spelling already means something (a
    name, a code or another alias, compared in the resolver's normal form)."""
    text = (text or "").strip()
    spelling = names_rule.key(text)
    if kind not in KINDS or not spelling or len(text) > 64:
        raise DomainError(_("Give the other spelling (at most 64 characters)."))
    # Declared Any so that get() does not type the record as the two classes' base.
    model: type[Any] = Region if kind == "region" else CategoryTag
    target: Region | CategoryTag | None = db.session.get(model, target_id)
    if target is None or not target.active:
        raise DomainError(_("Choose what the spelling means."))
    names = ReferenceNames((kind,))
    meant = names.keyed[kind].get(spelling, names.aliases[kind].get(spelling))
    if meant is not None:
        current = (names.region_names if kind == "region" else names.tag_names)[meant]
        raise DomainError(_("“%(alias)s” already means %(name)s.", alias=text, name=current))
    alias = Alias(kind=kind, alias=text, key=spelling, created_by_id=actor.id, created_at=now,
                  **{"region_id" if kind == "region" else "tag_id": target.id})  # fmt: skip
    db.session.add(alias)
    try:
        db.session.commit()
    except IntegrityError:  # the same spelling added at the same moment by someone else
        db.session.rollback()
        raise DomainError(_("“%(alias)s” already means %(name)s.", alias=text, name=target.name)) from None
    log.info("alias added: %s %r → %s by user %s", kind, text, target.name, actor.id)
    return alias


def delete_alias(actor: User, alias: Alias) -> None:
    """Remove a spelling: imports and searches no longer understand it (the records it matched keep their ids)."""
    log.info("alias deleted: %s %r → %s by user %s", alias.kind, alias.alias, alias.target, actor.id)
    db.session.delete(alias)
    db.session.commit()
