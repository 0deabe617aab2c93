"""领导批示: issuing an instruction on a target, and its life 待签收 → 办理中 → 已反馈 → 已销号 (or 退回 → 办理中).

Who may do what (also asked by the pages, so they offer only what the service accepts):
- a manager instructs on any target; a county head on the targets of their county (crm.scope says which they
  see); only targets that have a team (someone must act on it) and are not dropped;
- the target's primary owner and the people of its team (leader and members) acknowledge and report;
- the leader who wrote the instruction closes it or returns the report (with a reason).

Every step is recorded on the entry's history (crm.history) and in the instruction's own thread, and notifies
the other side through the inbox and the outbox (email, the team's group robot for a new instruction). A 批办
holds a task of kind 'instruction' due on its due date while it waits to be reported: the reminder scan and the
督办 ladder (crm.reminders.scan) follow it like a plan step, and it is done once reported (open again when the
report is returned)."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, or_, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from crm.auth.models import User
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.history import check_version, record_event, stale_guard
from crm.inbox.services import notify
from crm.instructions.models import (
    ACKNOWLEDGED,
    ACTION,
    CLOSED,
    IN_PROGRESS,
    PENDING,
    REPORTED,
    TEAM_OPEN,
    UNCLOSED,
    Instruction,
    InstructionStep,
)
from crm.parsing import sane_date
from crm.plans.models import DONE, OPEN, Task
from crm.scope import entry_scope, my_team_ids, team_ids_of
from crm.types import local_date
from crm.vocab import INSTRUCTION_KINDS, Action, Role, State
from crm.whitelist.models import WhitelistEntry

TEXT_LIMIT, REASON_LIMIT = 2000, 200
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # control characters but line breaks and tabs
_LINE_BREAKS = re.compile(r"[\r\n\t\x0b\x0c]+")


@dataclass
class InstructionData:
    kind: str
    text: str
    due_date: date | None = None


def clean_text(text: str | None, single_line: bool = False) -> str:
    """The text without control characters (a single-line one without line breaks either), stripped."""
    text = (text or "").replace("\r\n", "\n")
    if single_line:
        text = _LINE_BREAKS.sub(" ", text)
    return _CONTROL.sub("", text).strip()


# --- who may do what -------------------------------------------------------------------------------------------


def may_instruct(user: User, entry: WhitelistEntry) -> bool:
    """A manager on any target, a county head on their county's, once it has a team and while it is not dropped."""
    if entry.team_id is None or entry.state == State.DROPPED:
        return False
    if user.role == Role.MANAGER:
        return True
    return user.role == Role.COUNTY_HEAD and user.region_id is not None and user.region_id == entry.region_id


def on_team(user: User, entry: WhitelistEntry) -> bool:
    """The target's primary owner, or one of its team's people (leader or member)."""
    if entry.owner_id == user.id:
        return True
    return entry.team is not None and any(p.id == user.id for p in entry.team.people)


def allowed_actions(user: User, instruction: Instruction, entry: WhitelistEntry) -> set[str]:
    """What `user` may do with the instruction now: acknowledge, report, close, return."""
    actions = set()
    status = instruction.status
    if status in (PENDING, IN_PROGRESS, ACKNOWLEDGED) and on_team(user, entry):
        actions.add("acknowledge" if status == PENDING else "report")
    if instruction.author_id == user.id:
        if status == REPORTED:
            actions |= {"close", "return"}
        elif status == ACKNOWLEDGED:
            actions.add("close")  # 指导/参阅: closing is optional
    return actions


def _require(user: User, instruction: Instruction, entry: WhitelistEntry, action: str) -> None:
    if action in allowed_actions(user, instruction, entry):
        return
    if action in ("acknowledge", "report") and not on_team(user, entry):
        raise Forbidden(_("Only the target's owner and team acknowledge and report on an instruction."))
    if action in ("close", "return") and instruction.author_id != user.id:
        raise Forbidden(_("Only the leader who wrote the instruction closes it or returns the report."))
    raise DomainError(
        _("This instruction is %(status)s now: that cannot be done.", status=instruction.status_label)
    )


# --- the lifecycle ---------------------------------------------------------------------------------------------


def issue(actor: User, entry: WhitelistEntry, data: InstructionData, now: datetime) -> Instruction:
    """A leader writes an instruction on the target; its owner and team are told."""
    leader = actor.role == Role.MANAGER or (
        actor.role == Role.COUNTY_HEAD and actor.region_id == entry.region_id
    )
    if not leader:
        raise Forbidden(_("Only managers, and county heads for their county's targets, write instructions."))
    if not may_instruct(actor, entry):
        raise DomainError(_("Instructions are written on targets that have a team and are not dropped."))
    text = clean_text(data.text)
    if data.kind not in INSTRUCTION_KINDS:
        raise DomainError(_("Choose the kind of instruction."))
    if not text:
        raise DomainError(_("Write the instruction."))
    if len(text) > TEXT_LIMIT:
        raise DomainError(_("At most %(n)d characters.", n=TEXT_LIMIT))
    due = data.due_date if data.kind == ACTION else None
    if data.kind == ACTION and due is None:
        raise DomainError(_("A 批办 needs a due date."))
    if due is not None and (not sane_date(due) or due < local_date(now)):
        raise DomainError(_("The due date must be today or later."))
    task = None
    if due is not None:
        task = Task(entry_id=entry.id, kind="instruction", title=_task_title(text), due_date=due, created_at=now,
                    owner_id=entry.owner_id or entry.team.leader_id)  # fmt: skip
        db.session.add(task)
        db.session.flush()
    instruction = Instruction(entry_id=entry.id, kind=data.kind, text=text, due_date=due, status=PENDING,
                              author_id=actor.id, created_at=now, updated_at=now,
                              task_id=task.id if task else None)  # fmt: skip
    db.session.add(instruction)
    step = _step(instruction, "issue", actor, now, text)
    detail = f"{INSTRUCTION_KINDS[data.kind]}{_due_words(due)}：{text}"
    record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now,
                 action=Action.INSTRUCTION, detail=detail)  # fmt: skip
    title = _("%(leader)s's instruction (%(kind)s) on %(name)s", leader=actor.full_name,
              kind=INSTRUCTION_KINDS[data.kind], name=entry.enterprise.name)  # fmt: skip
    notify(_team_of(entry, actor), kind="instruction", entry_id=entry.id, now=now, teams=[entry.team],
           key=f"instruction:{step.id}", title=title[:200], body=f"{text}\n{_due_words(due)}".strip())  # fmt: skip
    db.session.commit()
    return instruction


def acknowledge(
    actor: User, instruction: Instruction, now: datetime, expected_version: int | None
) -> Instruction:
    """签收: a 批办 is then being handled (办理中); a 指导/参阅 needs nothing more."""
    entry = instruction.entry
    with stale_guard(entry_id=entry.id):
        check_version(instruction, expected_version, entry_id=entry.id)
        _require(actor, instruction, entry, "acknowledge")
        instruction.status = IN_PROGRESS if instruction.kind == ACTION else ACKNOWLEDGED
        instruction.updated_at = now  # every change of the instruction before the first flush: one version
        instruction.acknowledged_at, instruction.acknowledged_by_id = now, actor.id
        _record(actor, instruction, entry, "acknowledge", Action.INSTRUCTION_ACK, now, None,
                _("%(name)s acknowledged your instruction on %(target)s"))  # fmt: skip
        db.session.commit()
    return instruction


def report(actor: User, instruction: Instruction, text: str, now: datetime,
           expected_version: int | None) -> Instruction:  # fmt: skip
    """反馈: what was done; the instruction waits for its leader to close it (its task is done)."""
    entry = instruction.entry
    text = clean_text(text)
    with stale_guard(entry_id=entry.id):
        check_version(instruction, expected_version, entry_id=entry.id)
        _require(actor, instruction, entry, "report")
        if not text:
            raise DomainError(_("Write what was done."))
        if len(text) > TEXT_LIMIT:
            raise DomainError(_("At most %(n)d characters.", n=TEXT_LIMIT))
        instruction.status, instruction.report, instruction.reported_at = REPORTED, text, now
        instruction.updated_at = now
        _set_task(instruction, DONE, actor, now)
        _record(actor, instruction, entry, "report", Action.INSTRUCTION_REPORT, now, text,
                _("%(name)s reported on your instruction on %(target)s"))  # fmt: skip
        db.session.commit()
    return instruction


def close(actor: User, instruction: Instruction, now: datetime, expected_version: int | None,
          note: str | None = None) -> Instruction:  # fmt: skip
    """销号 by the instructing leader."""
    entry = instruction.entry
    note = clean_text(note, single_line=True)[:REASON_LIMIT] or None
    with stale_guard(entry_id=entry.id):
        check_version(instruction, expected_version, entry_id=entry.id)
        _require(actor, instruction, entry, "close")
        instruction.status, instruction.closed_at, instruction.updated_at = CLOSED, now, now
        _set_task(instruction, DONE, actor, now)
        _record(actor, instruction, entry, "close", Action.INSTRUCTION_CLOSE, now, note,
                _("%(name)s closed the instruction on %(target)s"))  # fmt: skip
        db.session.commit()
    return instruction


def return_report(actor: User, instruction: Instruction, reason: str, now: datetime,
                  expected_version: int | None) -> Instruction:  # fmt: skip
    """退回 by the instructing leader, with a reason: the instruction is being handled again (its task open)."""
    entry = instruction.entry
    reason = clean_text(reason, single_line=True)
    with stale_guard(entry_id=entry.id):
        check_version(instruction, expected_version, entry_id=entry.id)
        _require(actor, instruction, entry, "return")
        if not reason:
            raise DomainError(_("Say why the report is returned."))
        if len(reason) > REASON_LIMIT:
            raise DomainError(_("At most %(n)d characters.", n=REASON_LIMIT))
        instruction.status, instruction.updated_at = IN_PROGRESS, now
        _set_task(instruction, OPEN, actor, now)
        _record(actor, instruction, entry, "return", Action.INSTRUCTION_RETURN, now, reason,
                _("%(name)s returned the report on the instruction on %(target)s"))  # fmt: skip
        db.session.commit()
    return instruction


def _record(actor: User, instruction: Instruction, entry: WhitelistEntry, step_action: str, action: Action,
            now: datetime, text: str | None, title: str) -> None:  # fmt: skip
    """The step in the thread and on the entry's history, and a notice to the other side."""
    step = _step(instruction, step_action, actor, now, text)
    quoted = _task_title(instruction.text)
    record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=action,
                 reason=text if step_action == "return" else None,
                 detail=f"{instruction.kind_label}：{quoted}" + (f"\n{text}" if text and step_action != "return" else ""))  # fmt: skip
    to_leader = step_action in ("acknowledge", "report")
    hearing = [instruction.author] if to_leader else _team_of(entry, actor)
    words = title % {"name": actor.full_name, "target": entry.enterprise.name}
    notify([u for u in hearing if u.id != actor.id], kind="instruction", entry_id=entry.id, now=now,
           key=f"instruction:{step.id}", title=words[:200], body=f"{quoted}\n{text or ''}".strip())  # fmt: skip


def _step(
    instruction: Instruction, action: str, actor: User, now: datetime, text: str | None
) -> InstructionStep:
    step = InstructionStep(instruction=instruction, action=action, actor_id=actor.id, at=now, text=text)
    db.session.add(step)
    db.session.flush()  # its id names the notification
    return step


def _set_task(instruction: Instruction, status: str, actor: User, now: datetime) -> None:
    task = db.session.get(Task, instruction.task_id) if instruction.task_id else None
    if task is None or task.status == status:
        return
    done = status == DONE
    task.status = status
    task.completed_at, task.completed_by_id = (now, actor.id) if done else (None, None)


def _team_of(entry: WhitelistEntry, actor: User) -> list[User]:
    """The target's owner and its team's people, without the one acting."""
    people = [entry.owner, *(entry.team.people if entry.team else [])]
    return [p for p in people if p is not None and p.id != actor.id]


def _task_title(text: str) -> str:
    first = clean_text(text, single_line=True)
    return "落实领导批示：" + (first if len(first) <= 60 else first[:59] + "…")


def _due_words(due: date | None) -> str:
    return f"（{_('due %(day)s', day=due.isoformat())}）" if due else ""


# --- reading ---------------------------------------------------------------------------------------------------


def _with_entry(query: Select[Instruction]) -> Select[Instruction]:
    """The instructions with their entry (from the query's join) and its enterprise and owner, nothing else."""
    return query.join(WhitelistEntry, WhitelistEntry.id == Instruction.entry_id).options(
        contains_eager(Instruction.entry).lazyload("*"),
        contains_eager(Instruction.entry).joinedload(WhitelistEntry.enterprise).lazyload("*"),
        contains_eager(Instruction.entry).joinedload(WhitelistEntry.owner).lazyload("*"),
    )


def _team_side(user: User) -> ColumnElement[bool]:
    return and_(
        Instruction.status.in_(TEAM_OPEN),
        or_(
            WhitelistEntry.owner_id == user.id,
            WhitelistEntry.team_id.in_(
                team_ids_of(user) if user.role in (Role.MEMBER, Role.LEAD) else my_team_ids(user)
            ),
        ),
    )


def open_instructions_for(user: User) -> list[Instruction]:
    """The open instructions `user` must act on, within their scope (crm.scope.entry_scope): as the target's owner
    or on its team, those to acknowledge or report; as the leader who wrote them, those reported and waiting to
    be closed. Late 批办 first, then by due date; each with its entry, the entry's enterprise and owner loaded."""
    waiting = and_(Instruction.author_id == user.id, Instruction.status == REPORTED)
    query = _with_entry(select(Instruction)).where(entry_scope(user), or_(_team_side(user), waiting))
    order = case((Instruction.status == REPORTED, 1), else_=0)
    query = query.order_by(order, Instruction.due_date.is_(None), Instruction.due_date, Instruction.id)
    return list(db.session.scalars(query).unique())


def issued_by(user: User) -> list[Instruction]:
    """The instructions `user` wrote that are not closed, in their scope, newest first."""
    query = _with_entry(select(Instruction)).where(
        Instruction.author_id == user.id, Instruction.status.in_(UNCLOSED), entry_scope(user)
    )
    return list(db.session.scalars(query.order_by(Instruction.id.desc())).unique())


def instructions_of(entry: WhitelistEntry) -> list[Instruction]:
    """The entry's instructions not closed yet (the entry page lists them), oldest first."""
    query = select(Instruction).where(Instruction.entry_id == entry.id, Instruction.status.in_(UNCLOSED))
    found = list(db.session.scalars(query.order_by(Instruction.id)))
    for instruction in found:
        set_committed_value(instruction, "entry", entry)  # the caller's entry: no query, no change
    return found


def visible_instruction(user: User, instruction_id: int) -> Instruction | None:
    """The instruction if its target is in `user`'s scope, with its entry loaded whole."""
    query = (
        select(Instruction)
        .join(WhitelistEntry, WhitelistEntry.id == Instruction.entry_id)
        .where(Instruction.id == instruction_id, entry_scope(user))
        .options(joinedload(Instruction.entry))
    )
    return db.session.scalar(query)


def steps_of(instruction: Instruction) -> list[InstructionStep]:
    query = select(InstructionStep).where(InstructionStep.instruction_id == instruction.id)
    return list(db.session.scalars(query.order_by(InstructionStep.id)))


def listed_actions(user: User, instructions: list[Instruction]) -> dict[int, set[str]]:
    """What `user` may do with each of open_instructions_for(user)'s rows, without loading their teams: that
    query already settled which side of each the user is on."""
    actions: dict[int, set[str]] = {}
    for i in instructions:
        if i.author_id == user.id and i.status == REPORTED:
            actions[i.id] = {"close", "return"}
        else:
            actions[i.id] = {"acknowledge"} if i.status == PENDING else {"report"}
    return actions


def entry_panel(user: User, entry: WhitelistEntry) -> dict:
    """The entry page's section: its open instructions, what `user` may do with each, whether they may write one."""
    instructions = instructions_of(entry)
    return {
        "instructions": instructions,
        "instruction_actions": {i.id: allowed_actions(user, i, entry) for i in instructions},
        "may_instruct": may_instruct(user, entry),
    }
