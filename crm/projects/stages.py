"""Moving an entry along the pipeline (对接中 → 洽谈中 → 已签约 → 已落地 → 已开工 → 已投产), each step with its
evidence, and the 到位资金 records of signed projects (谁签约、谁跟踪)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.auth.models import User
from crm.enterprises.names import normalise_uscc
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.formatting import wan
from crm.history import check_version, record_event, stale_guard
from crm.parsing import sane_date
from crm.plans import policy
from crm.plans.models import ContactLog, FundArrival
from crm.plans.services import close_plan
from crm.projects import returns
from crm.projects.models import FundReturn, Project
from crm.projects.services import follow_entry, projects_of
from crm.rows import rows
from crm.vocab import MEETING_KINDS, PIPELINE, STATE_LABELS, Action, State
from crm.whitelist.models import WhitelistEntry

# The stages a team moves an entry to by hand (已组队 → 对接中 also happens by itself with the first log).
MANUAL = (State.CONTACTING, State.NEGOTIATING, State.SIGNED, State.LANDED, State.STARTED, State.PRODUCING)
FUNDED_STATES = (State.SIGNED, State.LANDED, State.STARTED, State.PRODUCING)


@dataclass
class StageEvidence:
    on: date | None = None  # signing / registration / start / production date
    amount: int | None = None  # 签约金额, 万元
    uscc: str | None = None  # the registered local entity


def next_stage(entry: WhitelistEntry) -> State | None:
    if entry.state not in PIPELINE[1:-1]:
        return None
    return PIPELINE[PIPELINE.index(State(entry.state)) + 1]


def _logs(entry: WhitelistEntry, kinds: tuple[str, ...] | None = None) -> int:
    query = select(func.count()).where(ContactLog.entry_id == entry.id)
    if kinds:
        query = query.where(ContactLog.kind.in_(kinds))
    return cast(int, db.session.scalar(query))  # count() always yields a row


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DomainError(message)


def _evidence(entry: WhitelistEntry, target: State, ev: StageEvidence, today: date) -> str:
    """Check what the target stage needs, store it on the entry, and describe it for the trail."""
    if target == State.CONTACTING:
        _require(_logs(entry) > 0, _("Log the first contact before moving to 对接中."))
        return _("first contact logged")
    if target == State.NEGOTIATING:
        _require(
            _logs(entry, MEETING_KINDS) > 0,
            _("洽谈中 needs a logged visit, inbound visit or negotiation meeting."),
        )
        return _("face-to-face talks logged")
    _require(ev.on is not None, _("Give the date."))
    assert ev.on is not None  # _require refused a missing date
    _require(ev.on <= today, _("The date cannot be in the future."))
    _require(sane_date(ev.on), _("The date is out of range."))
    # The plan starts on the first working day after the assignment: a target assigned and signed on a Saturday
    # has a plan start after its signing, which does not make the signing early.
    plan_start = entry.plan_start if entry.plan_start and entry.plan_start <= today else None
    dates = (plan_start, entry.signed_on, entry.landed_on, entry.started_on)
    previous = max((d for d in dates if d), default=None)
    if previous and ev.on < previous:
        raise DomainError(
            _("The date cannot be before %(date)s, the previous stage's date.", date=previous.isoformat())
        )
    if target == State.SIGNED:
        _require(ev.amount is not None and ev.amount > 0, _("Give the contract amount in 万元."))
        entry.signed_on, entry.contract_amount = ev.on, ev.amount
        close_plan(entry)
        return _(
            "signed on %(date)s, contract amount %(amount)s", date=ev.on.isoformat(), amount=wan(ev.amount)
        )
    if target == State.LANDED:
        code = normalise_uscc(ev.uscc)  # raises InvalidCreditCode (a DomainError) saying why
        _require(code is not None, _("Give the credit code of the registered local entity."))
        entry.landed_on, entry.landed_uscc = ev.on, code
        return _("registered on %(date)s as %(code)s", date=ev.on.isoformat(), code=code)
    if target == State.STARTED:
        entry.started_on = ev.on
        return _("construction started on %(date)s", date=ev.on.isoformat())
    entry.producing_on = ev.on
    return _("in production since %(date)s", date=ev.on.isoformat())


def advance(actor: User, entry: WhitelistEntry, target: State, ev: StageEvidence, now: datetime, today: date,
            expected_version: int | None = None) -> WhitelistEntry:  # fmt: skip
    """Move the entry one stage on, refusing without the stage's evidence."""
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        if not policy.can_advance(actor, entry):
            raise Forbidden(_("Only the target's team, its county head and managers move its stage."))
        if target != next_stage(entry):
            raise DomainError(_("From %(state)s the next stage is not %(target)s.", state=entry.state_label,
                                target=STATE_LABELS.get(target, target)))  # fmt: skip
        detail = _evidence(entry, target, ev, today)
        follow_entry(actor, entry, target, now)
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.STAGE,
                     from_state=entry.state, to_state=target, detail=detail)  # fmt: skip
        entry.state, entry.state_changed_at, entry.updated_at = target, now, now
        db.session.commit()
    return entry


def add_funds(actor: User, entry: WhitelistEntry, arrived_on: date, fixed: int, other: int, note: str | None,
              now: datetime, today: date) -> FundArrival:  # fmt: skip
    """Report 到位资金 of a signed target with one project: a line of its landing county's return for the month,
    counted once the city verifies the return (crm.projects.returns). With several projects, each reports its own."""
    if not policy.can_advance(actor, entry):
        raise Forbidden(_("Only the target's team, its county head and managers move its stage."))
    _require(entry.state in FUNDED_STATES, _("Funds are recorded once the project is signed."))
    _require(arrived_on <= today, _("The date cannot be in the future."))
    _require(sane_date(arrived_on), _("The date is out of range."))
    live = [p for p in projects_of(entry.id) if p.state != "terminated"]
    _require(
        len(live) == 1, _("This target has %(n)d projects: report funds on each project's page.", n=len(live))
    )
    data = returns.ArrivalData(month=arrived_on, fixed=fixed, other=other, note=note)
    return returns.add_arrival(actor, live[0], data, now, today)


@dataclass
class FundLine:
    arrived_on: date
    project_name: str
    fixed_amount: int
    other_amount: int
    note: str | None
    status: str  # the status of the return that reported it

    @property
    def total(self) -> int:
        return self.fixed_amount + self.other_amount

    @property
    def verified(self) -> bool:
        return self.status == "verified"


def funds_of(entry_id: int) -> list[FundLine]:
    """The entry's 到位资金 lines, each with its project and the status of the return that reported it."""
    found = rows(
        select(FundArrival.arrived_on, Project.name, FundArrival.fixed_amount, FundArrival.other_amount,
               FundArrival.note, FundReturn.status)
        .join(Project, Project.id == FundArrival.project_id)
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundArrival.entry_id == entry_id).order_by(FundArrival.arrived_on, FundArrival.id)
    ).all()  # fmt: skip
    return [FundLine(*row) for row in found]
