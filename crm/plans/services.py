"""The three-month plan: the default template (seeded with the reference data, crm.refdata.seed), instantiating a plan when a team is assigned, and editing its steps."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

from crm.auth.models import User
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.history import check_version, record_event, stale_guard
from crm.parsing import sane_date
from crm.plans import policy
from crm.plans.calendar import WorkCalendar
from crm.plans.models import CANCELLED, OPEN, PlanTemplate, Task
from crm.vocab import CONTACT_KINDS, Action
from crm.whitelist.models import WhitelistEntry


def default_template() -> PlanTemplate | None:
    query = select(PlanTemplate).where(PlanTemplate.active.is_(True)).order_by(PlanTemplate.is_default.desc())
    return db.session.scalar(query.limit(1))


def close_plan(entry: WhitelistEntry) -> None:
    """Signing ends the contact plan: steps still open are cancelled (follow-ups stay: 谁签约、谁跟踪)."""
    db.session.execute(
        update(Task).where(Task.entry_id == entry.id, Task.kind == "step", Task.status == OPEN)
        .values(status=CANCELLED, version=Task.version + 1).execution_options(synchronize_session="fetch")
    )  # fmt: skip


def instantiate_plan(entry: WhitelistEntry, start: date, cal: WorkCalendar, now: datetime) -> list[Task]:
    """Create the entry's plan steps from the default template, due so many working days after `start`.

    Steps the template gives to the owner go to the entry's primary owner, the others to the team leader. No
    commit: it is part of the assignment."""
    template = default_template()
    if template is None or entry.team is None:
        return []
    start = cal.next_workday(start)
    tasks = [
        Task(
            entry_id=entry.id,
            kind="step",
            title=step.name,
            evidence=step.evidence,
            sort=step.sort,
            created_at=now,
            due_date=cal.add_workdays(start, step.offset_workdays),
            offset_workdays=step.offset_workdays,
            owner_id=entry.owner_id if step.owner_role == "owner" else entry.team.leader_id,
        )  # fmt: skip
        for step in template.steps
    ]
    db.session.add_all(tasks)
    entry.plan_start = start
    return tasks


def preview_plan(start: date, cal: WorkCalendar) -> list[tuple[str, date]]:
    """The default template's steps and the dates they would get for a plan started on `start`."""
    template = default_template()
    if template is None:
        return []
    start = cal.next_workday(start)
    return [(step.name, cal.add_workdays(start, step.offset_workdays)) for step in template.steps]


def plan_of(entry_id: int) -> list[Task]:
    """The entry's steps and follow-ups, with their owners. The entry is not joined again (the caller has it: a
    task's `entry` then comes from the session); joining it nested its own eager joins, which SQLite materialised
    for every entry (seconds per entry page)."""
    query = (
        select(Task)
        .where(Task.entry_id == entry_id)
        .options(lazyload(Task.entry))
        .order_by(Task.kind.desc(), Task.due_date, Task.sort)
    )
    return list(db.session.scalars(query))


def add_step(actor: User, entry: WhitelistEntry, title: str, due: date, evidence: str, owner: User,
             now: datetime) -> Task:  # fmt: skip
    """A lead adds a step to the entry's plan."""
    if not policy.can_shape_plan(actor, entry):
        raise Forbidden(_("Only the team leader, the county head and managers change the plan."))
    if evidence != "any" and evidence not in CONTACT_KINDS:
        raise DomainError(_("Unknown evidence type."))
    if not title.strip():
        raise DomainError(_("Give the step a name."))
    if not sane_date(due):
        raise DomainError(_("The date is out of range."))
    if owner.id not in {p.id for p in entry.team.people}:
        raise DomainError(
            _("%(name)s is not a member of team %(team)s.", name=owner.full_name, team=entry.team.name)
        )
    last = db.session.scalar(
        select(Task.sort).where(Task.entry_id == entry.id).order_by(Task.sort.desc()).limit(1)
    )
    task = Task(entry_id=entry.id, kind="step", title=title.strip(), due_date=due, evidence=evidence,
                owner_id=owner.id, sort=(last or 0) + 1, created_at=now)  # fmt: skip
    db.session.add(task)
    record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.PLAN,
                 detail=_("Step added: %(title)s, due %(due)s", title=task.title, due=due.isoformat()))  # fmt: skip
    db.session.commit()
    return task


def shift_task(
    actor: User, task: Task, due: date, owner: User, expected_version: int | None, now: datetime
) -> Task:
    """Move a task's due date or give it to another team member."""
    entry = task.entry
    with stale_guard(entry_id=entry.id):
        check_version(task, expected_version, entry_id=entry.id)
        if not policy.can_shape_plan(actor, entry):
            raise Forbidden(_("Only the team leader, the county head and managers change the plan."))
        if task.status != OPEN:
            raise DomainError(_("Only open tasks can be changed."))
        if task.kind == "instruction" and due != task.due_date:
            raise DomainError(
                _("The due date of a leader's instruction is the leader's: it cannot be moved.")
            )
        if not sane_date(due):
            raise DomainError(_("The date is out of range."))
        if owner.id not in {p.id for p in entry.team.people}:
            raise DomainError(
                _("%(name)s is not a member of team %(team)s.", name=owner.full_name, team=entry.team.name)
            )
        detail = f"{task.title}: {task.due_date.isoformat()} → {due.isoformat()}"
        if owner.id != task.owner_id:
            detail += f"；{task.owner.full_name} → {owner.full_name}"
        if due != task.due_date:
            task.offset_workdays = None  # dated by hand now: a re-plan keeps the lead's date
        task.due_date, task.owner_id = due, owner.id
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.PLAN,
                     detail=detail)  # fmt: skip
        db.session.commit()
    return task
