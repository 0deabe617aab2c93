"""Enterprise records: create, edit (with a stale-write check), contacts, and the duplicate search."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.enterprises.duplicates import SAME, find_matches
from crm.enterprises.models import Contact, Enterprise, EnterpriseCategory
from crm.enterprises.names import name_key, normalise_name, normalise_uscc, pinyin_initials
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.history import check_version, describe_changes, record_event, stale_guard
from crm.vocab import Action


@dataclass
class CategoryChoice:
    tag_id: int
    rank: int | None = None
    list_year: int | None = None


@dataclass
class EnterpriseData:
    name: str
    name_en: str | None = None
    uscc: str | None = None
    hq: str | None = None
    parent_id: int | None = None
    industry_id: int | None = None
    website: str | None = None
    notes: str | None = None
    categories: list[CategoryChoice] = field(default_factory=list)

    FIELDS = ("name", "name_en", "uscc", "hq", "parent_id", "industry_id", "website", "notes")


@dataclass
class Duplicate:
    enterprise: Enterprise
    reasons: list[str]
    score: int | None = None
    kind: str = SAME  # or duplicates.GROUP: a strong name match with a different valid credit code
    similarity: int | None = None  # the names' similarity in per cent, when the names are evidence


def _check(data: EnterpriseData, exclude_id: int | None = None) -> None:
    data.uscc = normalise_uscc(data.uscc)  # raises InvalidCreditCode (a DomainError) saying why
    if data.uscc:
        clash = select(Enterprise.id).where(Enterprise.uscc == data.uscc, Enterprise.id != (exclude_id or 0))
        if db.session.scalar(clash):
            raise DomainError(_("Another enterprise already has this unified social credit code."))
    if data.parent_id:
        _check_group(data.parent_id, exclude_id)


def _check_group(parent_id: int, enterprise_id: int | None) -> None:
    """Groups are one level deep: a parent is a top-level enterprise, and a parent cannot itself join a group."""
    if parent_id == enterprise_id:
        raise DomainError(_("An enterprise cannot be its own group parent."))
    parent = db.session.get(Enterprise, parent_id)
    if parent is None or parent.parent_id is not None:
        raise DomainError(_("The group parent must be a group's top enterprise, not a subsidiary."))
    children = select(Enterprise.id).where(Enterprise.parent_id == enterprise_id).limit(1)
    if enterprise_id and db.session.scalar(children):
        raise DomainError(_("This enterprise heads a group of its own, so it cannot join another group."))


def _apply(enterprise: Enterprise, data: EnterpriseData) -> None:
    for name in EnterpriseData.FIELDS:
        setattr(enterprise, name, getattr(data, name))
    enterprise.name_norm = normalise_name(data.name)[:128]  # NFKC can lengthen a name
    enterprise.name_initials = pinyin_initials(data.name)
    enterprise.name_key = name_key(data.name)
    wanted = {c.tag_id: c for c in data.categories}
    enterprise.categories = [
        EnterpriseCategory(tag_id=c.tag_id, rank=c.rank, list_year=c.list_year) for c in wanted.values()
    ]


def create_enterprise(data: EnterpriseData, actor: User, now: datetime, commit: bool = True) -> Enterprise:
    _check(data)
    enterprise = Enterprise(created_by_id=actor.id, created_at=now, updated_at=now)
    _apply(enterprise, data)
    db.session.add(enterprise)
    db.session.flush()
    record_event(enterprise_id=enterprise.id, actor=actor, at=now, action=Action.ENTERPRISE_CREATE)
    if commit:
        db.session.commit()
    return enterprise


def _snapshot(enterprise: Enterprise) -> dict:
    """Display values of the fields, for the 'old → new' lines of an edit event."""
    snap = {name: getattr(enterprise, name) for name in ("name", "name_en", "uscc", "hq", "website", "notes")}
    snap["parent"] = enterprise.parent.name if enterprise.parent else None
    snap["industry"] = enterprise.industry.name if enterprise.industry else None
    snap["categories"] = "、".join(sorted(c.label for c in enterprise.categories))
    return snap


def update_enterprise(
    enterprise: Enterprise,
    data: EnterpriseData,
    expected_version: int | None,
    actor: User,
    now: datetime,
    commit: bool = True,
) -> Enterprise:
    """Save an edit and record the changed fields; a stale or racing write raises StaleRecord."""
    with stale_guard(enterprise_id=enterprise.id):
        check_version(enterprise, expected_version, enterprise_id=enterprise.id)
        _check(data, exclude_id=enterprise.id)
        before = _snapshot(enterprise)
        _apply(enterprise, data)
        db.session.flush()
        db.session.refresh(enterprise, ["categories", "parent", "industry"])
        changes = describe_changes(before, _snapshot(enterprise))
        if changes:
            enterprise.updated_at = now
            record_event(
                enterprise_id=enterprise.id,
                actor=actor,
                at=now,
                action=Action.ENTERPRISE_EDIT,
                detail=changes,
            )
        if commit:
            db.session.commit()
    return enterprise


def add_contact(enterprise: Enterprise, actor: User, now: datetime, **fields: Any) -> Contact:
    contact = Contact(enterprise_id=enterprise.id, created_at=now, **fields)
    db.session.add(contact)
    record_event(
        enterprise_id=enterprise.id, actor=actor, at=now, action=Action.CONTACT_ADD, detail=fields.get("name")
    )
    db.session.commit()
    return contact


def find_duplicates(
    name: str, uscc: str | None, parent_id: int | None, exclude_id: int | None = None
) -> list[Duplicate]:
    """Enterprises that may be the same as (or in the same group as) the one described, strongest first: the
    shared rule of crm.enterprises.duplicates, which the import applies too."""
    matches = find_matches(name, uscc, parent_id, exclude_id)
    found = {
        e.id: e
        for e in db.session.scalars(select(Enterprise).where(Enterprise.id.in_([m.key for m in matches])))
    }
    return [Duplicate(found[m.key], m.reasons, m.score or None, m.kind, m.similarity) for m in matches]
