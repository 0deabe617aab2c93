"""Contact and visit logs: the daily work of the teams. A log can complete a plan step, its next step becomes a
follow-up task, the first log moves an assigned entry to 对接中, and an attachment is checked before it is kept."""

import io
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PureWindowsPath

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Column, select
from sqlalchemy.orm import QueryableAttribute, lazyload

from crm.auth.models import User
from crm.enterprises.models import Contact
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.history import record_event, stale_guard
from crm.pagination import paginate_short
from crm.parsing import sane_date
from crm.plans import policy
from crm.plans.escalations import close_escalations
from crm.plans.models import DONE, OPEN, ContactLog, Task, log_contacts, log_participants
from crm.rows import rows
from crm.sqlin import among
from crm.vocab import CONTACT_KINDS, Action, State
from crm.whitelist.models import WhitelistEntry

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Allowed attachment types: extension → the bytes such a file starts with.
SIGNATURES = {
    "pdf": (b"%PDF",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
}

# Office files are zip archives: what their parts may add up to once unpacked, and how much more than packed any
# one part may weigh. Real documents of 5 MB unpack to a few times that (text compresses about 10:1, pictures not
# at all); a "zip bomb" renamed .docx unpacks to gigabytes from kilobytes and hangs whoever opens it.
OFFICE_TYPES = ("docx", "xlsx", "pptx")
MAX_OFFICE_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_OFFICE_RATIO = 200


@dataclass
class Upload:
    filename: str
    content: bytes


@dataclass
class LogData:
    occurred_at: datetime
    kind: str
    summary: str
    outcome: str | None = None
    participant_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    new_contact_name: str | None = None
    new_contact_title: str | None = None
    next_step: str | None = None
    next_date: date | None = None
    complete_task_id: int | None = None
    attachment: Upload | None = None


def check_attachment(upload: Upload) -> str:
    """The file's extension if it is an allowed type, within the size limit, and really is what it claims."""
    ext = Path(upload.filename).suffix.lower().lstrip(".")
    if ext not in SIGNATURES:
        raise DomainError(_("Attachments may be PDF, JPG, PNG, DOCX, XLSX or PPTX files."))
    if len(upload.content) > MAX_ATTACHMENT_BYTES:
        raise DomainError(
            _("The attachment is larger than %(n)d MB.", n=MAX_ATTACHMENT_BYTES // (1024 * 1024))
        )
    if not upload.content or not upload.content.startswith(SIGNATURES[ext]):
        raise DomainError(_("The attachment's content does not match its file type."))
    if ext in OFFICE_TYPES:
        _check_office_archive(upload.content)
    return ext


def _check_office_archive(content: bytes) -> None:
    """The archive's directory read (nothing unpacked): refuse one that is not a readable zip, or whose parts
    unpack to too much in all or each to far more than it weighs."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DomainError(_("The attachment's content does not match its file type.")) from None
    unpacked = sum(part.file_size for part in parts)
    inflated = any(part.file_size > MAX_OFFICE_RATIO * max(part.compress_size, 1024) for part in parts)
    if unpacked > MAX_OFFICE_UNPACKED_BYTES or inflated:
        raise DomainError(
            _(
                "The attachment unpacks to far more than it weighs (%(mb)d MB), as a zip bomb does. Save "
                "the document again and attach that copy.",
                mb=unpacked // (1024 * 1024),
            )
        )


def _completable(entry: WhitelistEntry, task_id: int, kind: str) -> Task:
    task = db.session.get(Task, task_id, options=[lazyload(Task.entry)])  # the entry is at hand: no joins
    if task is None or task.entry_id != entry.id or task.status != OPEN:
        raise DomainError(_("That task is not open on this target."))
    if task.kind == "instruction":
        raise DomainError(_("A leader's instruction is completed by reporting on it, not by a contact log."))
    if task.is_step and task.evidence not in (None, "any", kind):
        raise DomainError(
            _(
                "The step %(step)s needs a %(kind)s record.",
                step=task.title,
                kind=CONTACT_KINDS[task.evidence],
            )
        )
    return task


def record_log(
    actor: User, entry: WhitelistEntry, data: LogData, now: datetime, upload_dir: Path
) -> ContactLog:
    if not policy.can_log(actor, entry):
        raise Forbidden(_("Only the target's team, its county head and managers log contacts."))
    if data.kind not in CONTACT_KINDS:
        raise DomainError(_("Choose how the contact took place."))
    if not data.summary.strip():
        raise DomainError(_("Write what was discussed."))
    if data.occurred_at > now:
        raise DomainError(_("A contact cannot be logged for the future."))
    if not sane_date(data.occurred_at.date()) or not sane_date(data.next_date):
        raise DomainError(_("The date is out of range."))
    if data.next_step and not data.next_date:
        raise DomainError(_("Give the next step a date."))
    task = _completable(entry, data.complete_task_id, data.kind) if data.complete_task_id else None
    ext = check_attachment(data.attachment) if data.attachment else None
    log = ContactLog(
        entry_id=entry.id, occurred_at=data.occurred_at, kind=data.kind, summary=data.summary.strip(),
        outcome=(data.outcome or "").strip() or None, next_step=(data.next_step or "").strip() or None,
        next_date=data.next_date, created_by_id=actor.id, created_at=now,
    )  # fmt: skip
    # The team's people are loaded (the form offered them): no statement to read them again.
    team = {p.id: p for p in entry.team.people}
    team_ids, people = set(team), team | {actor.id: actor}
    if set(data.participant_ids) - people.keys():
        raise DomainError(_("Participants must be members of the target's team."))
    log.participants = [people[i] for i in sorted(set(data.participant_ids) | {actor.id})]
    log.people = (
        list(
            db.session.scalars(
                select(Contact).where(
                    Contact.id.in_(data.contact_ids), Contact.enterprise_id == entry.enterprise_id
                )
            )
        )
        if data.contact_ids
        else []
    )
    if data.new_contact_name and data.new_contact_name.strip():
        contact = Contact(enterprise_id=entry.enterprise_id, name=data.new_contact_name.strip(),
                          title=(data.new_contact_title or "").strip() or None, created_at=now)  # fmt: skip
        log.people.append(contact)
    if ext:
        assert data.attachment is not None  # ext is the checked attachment's
        log.attachment_path = f"{uuid.uuid4().hex}.{ext}"
        # The name only, whichever separator the sender's system uses ('..\\..\\x.pdf' too); the file itself
        # is stored under a random name.
        log.attachment_name = PureWindowsPath(data.attachment.filename).name[:200]
        log.attachment_size = len(data.attachment.content)
    with stale_guard(entry_id=entry.id):
        db.session.add(log)
        db.session.flush()
        _after_log(actor, entry, log, task, team_ids, now)
        db.session.flush()  # every row is written (a refused or raced log stops here, leaving no file)
        if ext:  # stored before the COMMIT: a process killed in between leaves an unused file, never a saved
            assert data.attachment is not None and log.attachment_path is not None  # both set above
            _store(data.attachment, log.attachment_path, upload_dir)  # log whose attachment is missing
        db.session.commit()
    return log


def _store(upload: Upload, name: str, upload_dir: Path) -> None:
    upload_dir.mkdir(parents=True, exist_ok=True)
    (upload_dir / name).write_bytes(upload.content)


def _after_log(actor: User, entry: WhitelistEntry, log: ContactLog, task: Task | None, team_ids: set[int],
               now: datetime) -> None:  # fmt: skip
    """Complete the step, create the follow-up, move 已组队 → 对接中, and note the log on the trail."""
    if task is not None:
        task.status, task.completed_at, task.completed_by_id, task.log_id = DONE, now, actor.id, log.id
        close_escalations([task.id], actor, now)
    if log.next_step and log.next_date:
        owner_id = actor.id if actor.id in team_ids else entry.owner_id
        db.session.add(Task(entry_id=entry.id, kind="followup", title=log.next_step, due_date=log.next_date,
                            owner_id=owner_id, created_at=now, log_id=log.id))  # fmt: skip
    if entry.last_contact_at is None or log.occurred_at > entry.last_contact_at:
        entry.last_contact_at = log.occurred_at
    detail = f"{CONTACT_KINDS[log.kind]}：{log.summary[:200]}"
    if task is not None:
        detail += "\n" + _("Completes the step %(step)s", step=task.title)
    record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.CONTACT_LOG,
                 detail=detail)  # fmt: skip
    if entry.state == State.ASSIGNED:
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.STAGE,
                     from_state=State.ASSIGNED, to_state=State.CONTACTING, detail=_("First contact logged"))  # fmt: skip
        entry.state, entry.state_changed_at = State.CONTACTING, now
    entry.updated_at = now


LOGS_PER_PAGE = 20


def logs_of(entry_id: int, page: int = 1, per_page: int = LOGS_PER_PAGE) -> Pagination:
    """One page of the entry's logs, newest first, and the count of all of them: a target with years of history
    costs its page what one page of it costs (the index on (entry_id, occurred_at) reads just the page). Who took
    part and whom they met come from `names_of`."""
    query = (
        select(ContactLog)
        .where(ContactLog.entry_id == entry_id)
        .options(
            lazyload(ContactLog.created_by), lazyload(ContactLog.participants), lazyload(ContactLog.people)
        )
        .order_by(ContactLog.occurred_at.desc(), ContactLog.id.desc())
    )
    return paginate_short(query, page, per_page)


@dataclass(frozen=True)
class LogNames:
    """Whom a contact log names: the bureau's people who took part, and the enterprise's contacts they met."""

    participants: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()


def names_of(logs: Sequence[ContactLog]) -> dict[int, LogNames]:
    """The names each of these logs shows (by log id; people and contacts each in the order they were added to
    the system), in two statements of plain rows: selectin-loading them built a User and a Contact object per name
    through an IN list as long as the page (a statement of its own per length), a sixth of an entry's page."""
    ids = [log.id for log in logs]
    if not ids:
        return {}
    people = _names_by_log(ids, log_participants.c.user_id, User.id, User.full_name)
    met = _names_by_log(ids, log_contacts.c.contact_id, Contact.id, Contact.name)
    return {i: LogNames(tuple(people[i]), tuple(met[i])) for i in ids}


def _names_by_log(
    ids: list[int], link: Column[int], key: QueryableAttribute[int], name: QueryableAttribute[str]
) -> dict[int, list[str]]:
    """Per log of `ids`, the names of the rows its link table's column `link` points at (`key`), in key order."""
    log_id = link.table.c.log_id
    names: dict[int, list[str]] = {i: [] for i in ids}
    query = select(log_id, name).join(key.class_, key == link).where(among(log_id, ids)).order_by(log_id, key)
    for found_id, found_name in rows(query):
        names[found_id].append(found_name)
    return names
