"""Merging a duplicate enterprise record into the one that survives.

`preview` says what would move, which of the survivor's empty fields the duplicate fills, and what blocks the
merge; `merge` does it in one transaction: entries (with their logs, tasks and assignments), contacts, events,
categories, subsidiaries and import rows move to the survivor, the duplicate is deleted, and an EnterpriseMerge
row and a merge event keep the audit.
"""

import json
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from crm.auth.models import User
from crm.enterprises import claims
from crm.enterprises.merge_plan import MOVE_LABELS, MergePreview, _count, preview  # noqa: F401  (preview: re-exported)
from crm.enterprises.models import Contact, Enterprise, EnterpriseCategory, EnterpriseMerge
from crm.enterprises.names import InvalidCreditCode, name_key, normalise_name, normalise_uscc, pinyin_initials
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.formatting import local_time
from crm.history import check_version, describe_changes, record_event, stale_message
from crm.imports.models import ImportItem
from crm.vocab import Action, Role
from crm.whitelist.models import Event, WhitelistEntry


def merge(
    actor: User,
    survivor: Enterprise,
    duplicate: Enterprise,
    reason: str,
    survivor_version: int | None,
    duplicate_version: int | None,
    now: datetime,
) -> EnterpriseMerge:
    """Fold `duplicate` into `survivor` and delete it; all or nothing. Versions are those the user's page showed
    (None for an internal caller holding current records); a stale one raises StaleRecord naming who changed it."""
    if actor.role != Role.MANAGER:
        raise Forbidden(_("Only the city's managers merge enterprise records."))
    if survivor.id == duplicate.id:
        raise DomainError(_("An enterprise cannot be merged into itself; choose another record."))
    _lock_both(survivor.id, duplicate.id)
    try:  # a refusal lets go of the locks at once
        check_version(survivor, survivor_version, enterprise_id=survivor.id)
        check_version(duplicate, duplicate_version, enterprise_id=duplicate.id)
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(_("Please give a reason."))
        plan = preview(survivor, duplicate)
        if plan.blocked:
            raise DomainError(" ".join(plan.problems))
    except DomainError:
        db.session.rollback()
        raise
    expected = {survivor.id: survivor.version, duplicate.id: duplicate.version}
    try:
        record = _carry_out(actor, plan, reason, now)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise _stale(expected) from None
    except IntegrityError:
        db.session.rollback()
        raise StaleRecord(
            _("Someone changed these records while they were being merged. Reload the page and try again.")
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    return record


class MergedAway(StaleRecord):
    """One of the two records was merged into another meanwhile; `record` says into which, by whom, when."""

    def __init__(self, record: EnterpriseMerge):
        super().__init__(merged_away_message(record))
        self.record = record


def merge_record_of(enterprise_id: int) -> EnterpriseMerge | None:
    """The merge that folded this (now deleted) enterprise into another, if one did."""
    query = select(EnterpriseMerge).where(EnterpriseMerge.merged_id == enterprise_id)
    return db.session.scalar(query.order_by(EnterpriseMerge.id.desc()).limit(1))


def merged_away_message(record: EnterpriseMerge) -> str:
    survivor = db.session.get(Enterprise, record.survivor_id)
    return _(
        "%(name)s (record #%(id)d) was merged into %(survivor)s by %(user)s at %(time)s. Reload the page.",
        name=record.merged_name,
        id=record.merged_id,
        survivor=survivor.name if survivor else f"#{record.survivor_id}",
        user=record.actor.full_name,
        time=local_time(record.at),
    )


def _lock_both(*ids: int) -> None:
    """Take both records' write locks in one fixed order (by id), before reading anything the merge decides on, so
    two merges of the same pair (or opposite ones) run one after the other; then re-read both. The one that waited
    finds a record gone and says who merged it where (a 409), never a 500 on a deleted row.

    PostgreSQL: SELECT … FOR UPDATE ordered by id. SQLite locks the whole database for a writer: an UPDATE that
    changes nothing takes the write lock first, so the reads below see every merge that committed before it."""
    ordered = sorted(ids)
    if db.session.get_bind().dialect.name == "postgresql":
        found = set(
            db.session.scalars(
                select(Enterprise.id)
                .where(Enterprise.id.in_(ordered))
                .order_by(Enterprise.id)
                .with_for_update()
            )
        )
    else:
        db.session.execute(
            update(Enterprise).where(Enterprise.id.in_(ordered)).values(version=Enterprise.version),
            execution_options={"synchronize_session": False},
        )
        found = set(db.session.scalars(select(Enterprise.id).where(Enterprise.id.in_(ordered))))
    for missing in (i for i in ordered if i not in found):
        record = merge_record_of(missing)
        error = (
            MergedAway(record)
            if record
            else StaleRecord(_("One of the records was merged or removed meanwhile. Reload the page."))
        )
        db.session.rollback()
        raise error
    # The rows as they are now (another writer may have changed them since the page's request loaded them).
    db.session.scalars(
        select(Enterprise).where(Enterprise.id.in_(ordered)).execution_options(populate_existing=True)
    ).all()


def _stale(expected: dict[int, int]) -> StaleRecord:
    """Which of the two records a concurrent writer changed (or deleted), in words."""
    for enterprise_id, version in expected.items():
        now_version = db.session.scalar(select(Enterprise.version).where(Enterprise.id == enterprise_id))
        if now_version is None:
            return StaleRecord(_("One of the records was merged or removed meanwhile. Reload the page."))
        if now_version != version:
            return StaleRecord(stale_message(enterprise_id=enterprise_id))
    return StaleRecord(stale_message(enterprise_id=next(iter(expected))))


def _snapshot(enterprise: Enterprise) -> dict:
    snap = {name: getattr(enterprise, name) for name in ("uscc", "name_en", "hq", "website")}
    snap["industry"] = enterprise.industry.name if enterprise.industry else None
    snap["parent"] = enterprise.parent.name if enterprise.parent else None
    snap["categories"] = "、".join(sorted(c.label for c in enterprise.categories))
    return snap


def _carry_out(actor: User, plan: MergePreview, reason: str, now: datetime) -> EnterpriseMerge:
    s, d = plan.survivor, plan.duplicate
    gone: dict[str, Any] = {"id": d.id, "name": d.name, "uscc": d.uscc, "notes": d.notes}
    moved_entry_ids = set(
        db.session.scalars(select(WhitelistEntry.id).where(WhitelistEntry.enterprise_id == d.id))
    )
    before = _snapshot(s)
    # Both rows are written (and, on PostgreSQL, locked) in one flush, in id order, with their versions checked;
    # the duplicate's credit code is cleared here because the column is unique.
    s.updated_at = d.updated_at = now
    d.uscc = None
    db.session.flush()
    _take_fields(plan)
    _normal_code(s)
    _union_categories(s, d)
    db.session.flush()
    _repoint(d.id, s.id)
    _move_subsidiaries(actor, plan, gone["name"], now)
    db.session.flush()
    db.session.expire_all()  # the bulk updates bypassed the objects in the session
    _flag_cross_county(actor, s.id, moved_entry_ids, now)
    detail = _detail(plan, gone, before, _snapshot(s))
    record_event(enterprise_id=s.id, actor=actor, at=now, action=Action.MERGE, reason=reason, detail=detail)
    record = EnterpriseMerge(
        survivor_id=s.id, merged_id=gone["id"], merged_name=gone["name"], merged_uscc=gone["uscc"],
        moved=json.dumps(plan.moves), reason=reason, actor_id=actor.id, at=now,
    )  # fmt: skip
    db.session.add(record)
    db.session.delete(d)  # its categories go with it; everything else has moved
    db.session.flush()
    return record


def _normal_code(s: Enterprise) -> None:
    """A survivor whose code was kept as typed (a pair the credit-code migration, f2a3b4c5d6e7, found sharing a
    code) or filled from such a duplicate takes the code's normal form, once no other record holds it."""
    try:
        code = normalise_uscc(s.uscc)
    except InvalidCreditCode:
        return
    taken = select(Enterprise.id).where(Enterprise.uscc == code, Enterprise.id != s.id)
    if code and code != s.uscc and db.session.scalar(taken) is None:
        s.uscc = code


def _take_fields(plan: MergePreview) -> None:
    s = plan.survivor
    for attribute, value in plan.fills.items():
        setattr(s, attribute, value)
    if plan.notes is not None:
        s.notes = plan.notes
    s.parent_id = plan.survivor_parent_id
    # The name stays the survivor's; its search keys are derived again, as every save does.
    s.name_norm = normalise_name(s.name)[:128]
    s.name_initials = pinyin_initials(s.name)
    s.name_key = name_key(s.name)


def _union_categories(survivor: Enterprise, duplicate: Enterprise) -> None:
    """Every tag of either record; where both have a tag, the survivor's rank and list year win, and the
    duplicate's only fill them when they do not contradict (each empty or equal)."""
    own = {c.tag_id: c for c in survivor.categories}
    for theirs in duplicate.categories:
        mine = own.get(theirs.tag_id)
        if mine is None:
            survivor.categories.append(
                EnterpriseCategory(tag_id=theirs.tag_id, rank=theirs.rank, list_year=theirs.list_year)
            )
        elif mine.rank in (None, theirs.rank) and mine.list_year in (None, theirs.list_year):
            mine.rank, mine.list_year = theirs.rank, theirs.list_year


def _repoint(old: int, new: int) -> None:
    """Move every row that refers to the duplicate. Plain UPDATEs: the entries' own fields do not change, so their
    versions stay and nobody editing an entry meanwhile is refused."""
    plain = {"synchronize_session": False}
    for column in (
        WhitelistEntry.enterprise_id,
        Contact.enterprise_id,
        Event.enterprise_id,
        ImportItem.enterprise_id,
    ):
        db.session.execute(
            update(column.class_).where(column == old).values({column.key: new}), execution_options=plain
        )
    db.session.execute(
        update(EnterpriseMerge).where(EnterpriseMerge.survivor_id == old).values(survivor_id=new),
        execution_options=plain,
    )
    # Look-alikes a proposer waved through are enterprise ids in text; the survivor replaces the duplicate there.
    rows = db.session.execute(
        select(WhitelistEntry.id, WhitelistEntry.enterprise_id, WhitelistEntry.lookalike_ids).where(
            WhitelistEntry.lookalike_ids.is_not(None),
            or_(WhitelistEntry.lookalike_ids.like(f"%{old}%"), WhitelistEntry.enterprise_id == new),
        )
    )
    for entry_id, enterprise_id, raw in rows.all():
        ids = [new if i == str(old) else int(i) for i in (raw or "").split(",") if i]
        kept = ",".join(str(i) for i in dict.fromkeys(ids) if i != enterprise_id) or None
        if kept != raw:  # an entry is no look-alike of its own enterprise
            db.session.execute(
                update(WhitelistEntry).where(WhitelistEntry.id == entry_id).values(lookalike_ids=kept),
                execution_options=plain,
            )


def _move_subsidiaries(actor: User, plan: MergePreview, old_name: str, now: datetime) -> None:
    """Each subsidiary's group changes; it is an edit of that record, so its version moves and its trail says so."""
    head = db.session.get(Enterprise, plan.subsidiaries_to)
    assert head is not None  # the survivor or its group parent
    for child in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(plan.subsidiary_ids))):
        child.parent_id, child.updated_at = head.id, now
        record_event(
            enterprise_id=child.id, actor=actor, at=now, action=Action.ENTERPRISE_EDIT,
            detail=describe_changes({"parent": old_name}, {"parent": head.name}),
            reason=_("%(duplicate)s was merged into %(survivor)s.", duplicate=old_name, survivor=plan.survivor.name),
        )  # fmt: skip


def _flag_cross_county(actor: User, enterprise_id: int, moved_entry_ids: set[int], now: datetime) -> None:
    """When the merge brings two counties' claims together, the later claims go to the city as a conflict, as a
    proposal for an enterprise another county holds would (首报首谈)."""
    order = (WhitelistEntry.created_at, WhitelistEntry.id)
    holding = list(db.session.scalars(claims.holding_entries([enterprise_id]).order_by(*order)))
    for i, entry in enumerate(holding):
        side = entry.id in moved_entry_ids
        newly_paired = any((earlier.id in moved_entry_ids) != side for earlier in holding[:i])
        note = claims.conflict_note(entry, now) if newly_paired and not entry.conflict else None
        if note:
            entry.conflict, entry.conflict_note, entry.updated_at = True, note, now
            record_event(
                enterprise_id=enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.CONFLICT,
                reason=note,
            )  # fmt: skip


def _detail(plan: MergePreview, gone: dict, before: dict, after: dict) -> str:
    """The merge event's text: which record was merged, what moved, what the duplicate filled in."""
    lines = [
        _(
            "Merged %(name)s (record #%(id)d, credit code %(uscc)s) into this record.",
            name=gone["name"],
            id=gone["id"],
            uscc=gone["uscc"] or "—",
        )
    ]
    lines += [f"{label}：{n}" for label, n in plan.move_lines() if n]
    changes = describe_changes(before, after)
    if changes:
        lines.append(changes)
    if plan.notes is not None:
        lines.append(_("The duplicate's notes were added to the notes."))
    if plan.notes_left_out:
        lines.append(_("The duplicate's notes: %(notes)s", notes=gone["notes"]))
    lines += plan.warnings
    return "\n".join(lines)


def moved_words(record: EnterpriseMerge) -> str:
    """'白名单条目 2 · 联系人 1' for the survivor's list of merges."""
    counts = json.loads(record.moved or "{}")
    return " · ".join(f"{MOVE_LABELS[k]} {n}" for k, n in counts.items() if n and k in MOVE_LABELS)
