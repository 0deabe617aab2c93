"""Saving reference data: uniqueness and tree checks with Chinese messages."""

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.auth.services import password_problem
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.refdata.models import CategoryTag, Industry, Region


def _unique(model, column: str, value, obj_id: int | None, label: str) -> None:
    col = getattr(model, column)
    clash = db.session.scalar(select(model.id).where(col == value, model.id != (obj_id or 0)))
    if clash:
        raise DomainError(_("%(label)s %(value)s is already in use.", label=label, value=value))


def save_user(user: User | None, data: dict) -> User:
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
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


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
