"""A project's life: added to a signed target (or one in talks, signing it), 已签约 → 已注册落地 → 已开工 → 已投产,
or 终止 with a reason. Each step keeps the evidence it needs; the entry's stage follows its furthest project.

Milestones that are due (registration after signing, construction after registration) become tasks of kind
'project', so the reminders and the 督办 ladder (crm.reminders.scan) follow them like plan steps.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import lazyload

from crm.auth.models import User
from crm.enterprises.names import normalise_uscc
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.formatting import wan
from crm.history import check_version, record_event, stale_guard
from crm.parsing import sane_date
from crm.plans import policy
from crm.plans.calendar import request_calendar
from crm.plans.escalations import close_escalations
from crm.plans.models import CANCELLED, DONE, OPEN, Task
from crm.plans.services import close_plan
from crm.projects import standing
from crm.projects.lights import lights_for
from crm.projects.models import FundPlan, Project
from crm.refdata.models import Region
from crm.rows import rows
from crm.settings import get_int, get_setting
from crm.sqlin import among
from crm.vocab import AGREEMENTS, CAMPAIGNS, MODES, PROJECT_PIPELINE, PROJECT_STATES, Action, State
from crm.whitelist.models import WhitelistEntry

# An entry may take projects from talks on; adding a counted signing to one in talks signs it.
PROJECT_ENTRY_STATES = (State.NEGOTIATING, State.SIGNED, State.LANDED, State.STARTED, State.PRODUCING)
ENTRY_STAGE = {
    "signed": State.SIGNED,
    "landed": State.LANDED,
    "started": State.STARTED,
    "producing": State.PRODUCING,
}
ENTRY_DATE = {
    "signed": "signed_on",
    "landed": "landed_on",
    "started": "started_on",
    "producing": "producing_on",
}


@dataclass
class ProjectData:
    name: str
    region_id: int
    agreement: str
    signed_on: date
    contract_amount: int | None = None
    planned_investment: int | None = None
    industry_id: int | None = None
    campaign: str | None = None
    mode: str | None = None
    schedule: dict[date, int] = field(default_factory=dict)  # planned 到位资金 per month (first day), 万元


def counted_agreements() -> tuple[str, ...]:
    """The agreement types that count as a signing (the `signing_agreements` setting)."""
    return tuple(get_setting("signing_agreements").split(","))


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DomainError(message)


def _check(data: ProjectData, today: date) -> None:
    _require(bool(data.name and data.name.strip()), _("Give the project's name."))
    _require(data.agreement in AGREEMENTS, _("Choose the agreement type."))
    _require(data.signed_on is not None, _("Give the date."))
    _require(data.signed_on <= today, _("The date cannot be in the future."))
    _require(sane_date(data.signed_on), _("The date is out of range."))
    _require(data.contract_amount is None or data.contract_amount > 0, _("Give the contract amount in 万元."))
    _require(data.planned_investment is None or data.planned_investment > 0,
             _("The planned investment must be a positive number of 万元."))  # fmt: skip
    _require(data.campaign in (None, *CAMPAIGNS), _("Choose the 攻坚行动."))
    _require(data.mode in (None, *MODES), _("Choose the 招商方式."))
    region = db.session.get(Region, data.region_id)
    _require(region is not None and region.active, _("Choose the county or zone where the project lands."))
    for month, amount in data.schedule.items():
        _require(month.day == 1 and sane_date(month), _("The date is out of range."))
        _require(amount >= 0, _("Planned funds must not be negative."))


def _may(actor: User, entry: WhitelistEntry) -> None:
    if not policy.can_advance(actor, entry):
        raise Forbidden(_("Only the target's team, its county head and managers move its stage."))


def add_project(actor: User, entry: WhitelistEntry, data: ProjectData, now: datetime, today: date,
                commit: bool = True) -> Project:  # fmt: skip
    """A signed project of the target (a second plant, a phase two …). Signing a counted agreement in talks moves
    the entry to 已签约; the contact plan then ends, as it does when an entry is signed by hand. `commit=False`
    only flushes (the spreadsheet import writes all its rows in one transaction)."""
    _may(actor, entry)
    _require(entry.state in PROJECT_ENTRY_STATES, _("Projects are added once the target is in negotiation."))
    _check(data, today)
    _require(data.contract_amount is not None, _("Give the contract amount in 万元."))
    project = Project(
        entry_id=entry.id, name=data.name.strip(), region_id=data.region_id, agreement=data.agreement,
        signed_on=data.signed_on, contract_amount=data.contract_amount, planned_investment=data.planned_investment,
        industry_id=data.industry_id or entry.industry_id, campaign=data.campaign or entry.campaign,
        mode=data.mode or entry.mode, state="signed", state_changed_at=now, created_by_id=actor.id,
        created_at=now, updated_at=now,
    )  # fmt: skip
    project.plan = [FundPlan(month=m, amount=a) for m, a in sorted(data.schedule.items()) if a]
    standing.restate(project)
    db.session.add(project)
    db.session.flush()
    record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, project_id=project.id, actor=actor, at=now,
                 action=Action.PROJECT_ADD, to_state="signed",
                 detail=_("%(name)s: %(agreement)s signed on %(date)s, contract amount %(amount)s",
                          name=project.name, agreement=AGREEMENTS[project.agreement],
                          date=project.signed_on.isoformat(), amount=wan(project.contract_amount)))  # fmt: skip
    _milestone_task(project, entry, "landed", project.signed_on, actor)
    sync_entry(actor, entry, now)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return project


@dataclass
class Evidence:
    on: date | None = None
    uscc: str | None = None


def next_state(project: Project) -> str | None:
    if project.state not in PROJECT_PIPELINE[:-1]:
        return None
    return PROJECT_PIPELINE[PROJECT_PIPELINE.index(project.state) + 1]


def advance(actor: User, project: Project, target: str, ev: Evidence, now: datetime, today: date,
            expected_version: int | None = None) -> Project:  # fmt: skip
    """Move a project one step on with the step's evidence: registration needs the local entity's credit code."""
    entry = project.entry
    with stale_guard(entry_id=entry.id):
        check_version(project, expected_version, entry_id=entry.id)
        _may(actor, entry)
        _require(target == next_state(project), _("From %(state)s the next stage is not %(target)s.",
                                                   state=PROJECT_STATES[project.state], target=target))  # fmt: skip
        _require(ev.on is not None, _("Give the date."))
        assert ev.on is not None  # _require refused a missing date
        _require(ev.on <= today, _("The date cannot be in the future."))
        _require(sane_date(ev.on), _("The date is out of range."))
        previous = max(d for d in (project.signed_on, project.landed_on, project.started_on) if d)
        if ev.on < previous:
            raise DomainError(
                _("The date cannot be before %(date)s, the previous stage's date.", date=previous.isoformat())
            )
        if target == "landed":
            code = normalise_uscc(ev.uscc)  # raises InvalidCreditCode (a DomainError) saying why
            _require(code is not None, _("Give the credit code of the registered local entity."))
            project.landed_uscc = code
            detail = _("registered on %(date)s as %(code)s", date=ev.on.isoformat(), code=code)
        elif target == "started":
            detail = _("construction started on %(date)s", date=ev.on.isoformat())
        else:
            detail = _("in production since %(date)s", date=ev.on.isoformat())
        setattr(project, ENTRY_DATE[target], ev.on)
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, project_id=project.id, actor=actor,
                     at=now, action=Action.PROJECT_STAGE, from_state=project.state, to_state=target,
                     detail=f"{project.name}: {detail}")  # fmt: skip
        project.state, project.state_changed_at, project.updated_at = target, now, now
        _close_tasks(project, DONE, now, actor)
        if target == "landed":
            _milestone_task(project, entry, "started", ev.on, actor)
        sync_entry(actor, entry, now)
        db.session.commit()
    return project


def terminate(actor: User, project: Project, reason: str, now: datetime,
              expected_version: int | None = None) -> Project:  # fmt: skip
    entry = project.entry
    with stale_guard(entry_id=entry.id):
        check_version(project, expected_version, entry_id=entry.id)
        _may(actor, entry)
        _require(project.state != "terminated", _("The project has already been terminated."))
        _require(bool(reason and reason.strip()), _("Give the reason."))
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, project_id=project.id, actor=actor,
                     at=now, action=Action.PROJECT_TERMINATE, from_state=project.state, to_state="terminated",
                     reason=reason.strip(), detail=project.name)  # fmt: skip
        project.state, project.terminated_reason = "terminated", reason.strip()
        project.state_changed_at = project.updated_at = now
        _close_tasks(project, CANCELLED, now, actor)
        db.session.commit()
    return project


def set_schedule(actor: User, project: Project, schedule: dict[date, int], now: datetime,
                 expected_version: int | None = None) -> Project:  # fmt: skip
    """Replace the planned 到位资金 schedule (万元 per month)."""
    entry = project.entry
    with stale_guard(entry_id=entry.id):
        check_version(project, expected_version, entry_id=entry.id)
        _may(actor, entry)
        for month, amount in schedule.items():
            _require(month.day == 1 and sane_date(month), _("The date is out of range."))
            _require(amount >= 0, _("Planned funds must not be negative."))
        before = "; ".join(f"{p.month:%Y-%m} {p.amount}" for p in project.plan) or "—"
        project.plan = [FundPlan(month=m, amount=a) for m, a in sorted(schedule.items()) if a]
        standing.restate(project)
        after = "; ".join(f"{m:%Y-%m} {a}" for m, a in sorted(schedule.items()) if a) or "—"
        project.updated_at = now
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, project_id=project.id, actor=actor,
                     at=now, action=Action.PROJECT_EDIT,
                     detail=_("%(name)s: planned funds (万元) %(before)s → %(after)s", name=project.name,
                              before=before, after=after))  # fmt: skip
        db.session.commit()
    return project


def sync_entry(actor: User, entry: WhitelistEntry, now: datetime) -> None:
    """The entry's stage is the furthest of its counted, live projects (it never moves back), and its own
    milestone dates are the earliest of its projects' (the summary older screens and filters read)."""
    counted = counted_agreements()
    projects = [p for p in projects_of(entry.id) if p.state != "terminated" and p.agreement in counted]
    for attr in ENTRY_DATE.values():
        dates = [getattr(p, attr) for p in projects if getattr(p, attr)]
        if dates and getattr(entry, attr) is None:
            setattr(entry, attr, min(dates))
    if entry.contract_amount is None and projects:
        entry.contract_amount = projects[0].contract_amount
    if entry.landed_uscc is None:
        entry.landed_uscc = next((p.landed_uscc for p in projects if p.landed_uscc), None)
    furthest = max((PROJECT_PIPELINE.index(p.state) for p in projects), default=-1)
    if furthest < 0 or entry.state not in PROJECT_ENTRY_STATES:
        return
    target = ENTRY_STAGE[PROJECT_PIPELINE[furthest]]
    order = (State.NEGOTIATING, *ENTRY_STAGE.values())
    if order.index(target) > order.index(State(entry.state)):
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.STAGE,
                     from_state=entry.state, to_state=target, detail=_("following its projects"))  # fmt: skip
        if entry.state == State.NEGOTIATING:
            close_plan(entry)
        entry.state, entry.state_changed_at, entry.updated_at = target, now, now


def projects_of(entry_id: int) -> list[Project]:
    """The entry's projects. Their entry is the one the caller holds (a lazy load finds it in the session without a
    statement): joining it again repeated the entry's eager joins, and its enterprise's categories, per call."""
    return list(
        db.session.scalars(
            select(Project)
            .where(Project.entry_id == entry_id)
            .options(lazyload(Project.entry))
            .order_by(Project.id)
        )
    )


def projects_per_entry(entry_ids: list[int]) -> dict[int, int]:
    """How many projects each entry of a page has (the list shows "N 个项目" beside the stage)."""
    if not entry_ids:
        return {}
    return dict(
        rows(
            select(Project.entry_id, func.count())
            .where(among(Project.entry_id, entry_ids))
            .group_by(Project.entry_id)
        ).all()
    )


def project_summary(entry_id: int, today: date) -> dict:
    """The entry's projects with their lights, for its page."""

    projects = projects_of(entry_id)
    return {
        "projects": projects,
        "project_lights": lights_for(projects, today),
        "live_projects": sum(1 for p in projects if p.state != "terminated"),
    }


MILESTONE_SETTING = {"landed": "project_register_days", "started": "project_start_days"}
MILESTONE_TITLE = {"landed": "办理注册落地", "started": "推动项目开工"}


def _milestone_task(project: Project, entry: WhitelistEntry, target: str, since: date, actor: User) -> None:
    """The next milestone as a task due after the setting's working days (its reminders and 督办 follow)."""
    due = request_calendar().add_workdays(since, get_int(MILESTONE_SETTING[target]))
    owner = entry.owner_id or (entry.team.leader_id if entry.team else None) or actor.id
    db.session.add(Task(entry_id=entry.id, project_id=project.id, owner_id=owner, due_date=due, kind="project",
                        title=f"{MILESTONE_TITLE[target]}：{project.name}"[:200]))  # fmt: skip


def _close_tasks(project: Project, status: str, now: datetime, actor: User) -> None:
    """The project's open milestones done or cancelled, and their open 督办 closed with them."""
    ids = list(db.session.scalars(select(Task.id).where(Task.project_id == project.id, Task.status == OPEN)))
    if not ids:
        return
    db.session.execute(
        update(Task).where(Task.id.in_(ids))
        .values(status=status, completed_at=now, completed_by_id=actor.id, version=Task.version + 1)
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip
    close_escalations(ids, actor, now, done=status == DONE)


def follow_entry(actor: User, entry: WhitelistEntry, target: State, now: datetime) -> None:
    """An entry moved on by hand (crm.projects.stages.advance) carries its project with it: signing makes the first
    project from the entry's signing; a later stage moves the entry's one live project. With several projects each
    moves on from its own page."""
    live = [p for p in projects_of(entry.id) if p.state != "terminated"]
    if target == State.SIGNED:
        if any(p.agreement in counted_agreements() for p in live):
            return  # signed by a counted project already (then the entry moved by itself)
        project = Project(
            entry_id=entry.id, name=f"{entry.enterprise.name}项目"[:200], region_id=entry.region_id,
            agreement="contract", signed_on=entry.signed_on, contract_amount=entry.contract_amount,
            planned_investment=entry.planned_investment, industry_id=entry.industry_id, campaign=entry.campaign,
            mode=entry.mode, state="signed", state_changed_at=now, created_by_id=actor.id, created_at=now,
            updated_at=now,
        )  # fmt: skip
        db.session.add(project)
        db.session.flush()
        _milestone_task(project, entry, "landed", project.signed_on, actor)
        return
    step = {State.LANDED: "landed", State.STARTED: "started", State.PRODUCING: "producing"}.get(target)
    if step is None or not live:
        return
    if len(live) > 1:
        raise DomainError(
            _("This target has %(n)d projects: move each one on from its own page.", n=len(live))
        )
    project = live[0]
    if project.state != PROJECT_PIPELINE[PROJECT_PIPELINE.index(step) - 1]:
        return
    setattr(project, ENTRY_DATE[step], getattr(entry, ENTRY_DATE[step]))
    if step == "landed":
        project.landed_uscc = entry.landed_uscc
    project.state, project.state_changed_at, project.updated_at = step, now, now
    _close_tasks(project, DONE, now, actor)
    if step == "landed":
        assert project.landed_on is not None  # copied above from the entry, which has just landed
        _milestone_task(project, entry, "started", project.landed_on, actor)


def terminate_with_target(actor: User, entry: WhitelistEntry, reason: str, now: datetime) -> None:
    """A dropped target's live projects end with it (the drop's reason), so they stop lighting up and their
    counties stop owing returns for them. Their signings still count in the year they were made."""
    for project in projects_of(entry.id):
        if project.state == "terminated":
            continue
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, project_id=project.id, actor=actor,
                     at=now, action=Action.PROJECT_TERMINATE, from_state=project.state, to_state="terminated",
                     reason=reason, detail=project.name)  # fmt: skip
        project.state, project.terminated_reason = "terminated", reason
        project.state_changed_at = project.updated_at = now
        _close_tasks(project, CANCELLED, now, actor)
