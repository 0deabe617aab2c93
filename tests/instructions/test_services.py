"""领导批示 services: the lifecycle, who may do what, the scope of "my instructions", stale writes, and the plan's
task the 批办 holds."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.instructions import services
from crm.instructions.models import Instruction, InstructionStep
from crm.plans import logs
from crm.plans import services as plan_services
from crm.plans.models import DONE, OPEN, Task
from crm.vocab import ACTION_LABELS, Action
from crm.whitelist.models import Event
from tests.instructions.conftest import DUE, order
from tests.test_query_counts import count_queries


def inbox_of(user) -> list[str]:
    return list(db.session.scalars(select(InboxItem.title).where(InboxItem.user_id == user.id, InboxItem.kind == "instruction").order_by(InboxItem.id)))  # fmt: skip


def trail(entry) -> list[str]:
    actions = db.session.scalars(select(Event.action).where(Event.entry_id == entry.id).order_by(Event.id))
    return [a for a in actions if a.startswith("instruction")]


def test_a_batch_order_goes_to_the_team_and_back_to_the_leader_until_closed(worked, now):
    p, teams, entry, _other = worked
    later = now + timedelta(hours=1)
    instruction = order(p["manager"], entry, now)
    assert (instruction.status, instruction.due_date) == ("pending", DUE)
    task = db.session.get(Task, instruction.task_id)
    assert (task.kind, task.status, task.due_date, task.owner_id) == (
        "instruction",
        OPEN,
        DUE,
        p["member"].id,
    )
    # the owner and the team's people hear of it; the leader who wrote it does not
    assert len(inbox_of(p["member"])) == len(inbox_of(p["lead"])) == 1
    assert "批办" in inbox_of(p["member"])[0] and entry.enterprise.name in inbox_of(p["member"])[0]
    assert inbox_of(p["manager"]) == [] and inbox_of(p["member_b"]) == []

    services.acknowledge(p["member"], instruction, later, instruction.version)
    assert (instruction.status, instruction.acknowledged_by_id) == ("in_progress", p["member"].id)
    assert len(inbox_of(p["manager"])) == 1
    services.report(
        p["member"], instruction, "已上门拜访，\x07企业需要50亩用地。", later, instruction.version
    )
    assert (instruction.status, instruction.report) == ("reported", "已上门拜访，企业需要50亩用地。")
    assert db.session.get(Task, instruction.task_id).status == DONE
    services.return_report(p["manager"], instruction, "请补充\n用地位置", later, instruction.version)
    assert instruction.status == "in_progress"
    assert db.session.get(Task, instruction.task_id).status == OPEN  # the 督办 ladder follows it again
    assert len(inbox_of(p["member"])) == 2 and len(inbox_of(p["lead"])) == 2
    services.report(p["member"], instruction, "用地位于高新区。", later, instruction.version)
    services.close(p["manager"], instruction, later, instruction.version, "办结")
    assert (instruction.status, instruction.closed_at) == ("closed", later)
    assert instruction.version == 6  # written once, then once per step (five of them)
    assert db.session.get(Task, instruction.task_id).status == DONE

    steps = db.session.execute(
        select(InstructionStep.action, InstructionStep.text).order_by(InstructionStep.id)
    ).all()
    assert [s.action for s in steps] == ["issue", "acknowledge", "report", "return", "report", "close"]
    assert steps[3].text == "请补充 用地位置"  # a single-line reason: no line breaks
    assert trail(entry) == ["instruction", "instruction_ack", "instruction_report", "instruction_return",
                            "instruction_report", "instruction_close"]  # fmt: skip
    assert all(ACTION_LABELS[Action(a)] for a in trail(entry))
    assert len(inbox_of(p["manager"])) == 3  # acknowledged, reported twice
    assert services.open_instructions_for(p["member"]) == []
    assert services.open_instructions_for(p["manager"]) == []


def test_guidance_needs_only_an_acknowledgement_and_may_be_closed(worked, now):
    p, teams, entry, _other = worked
    instruction = order(
        p["head"], entry, now, kind="guidance", text="注意对接企业的环保要求。", due=date(2026, 3, 20)
    )
    assert instruction.due_date is None and instruction.task_id is None  # no due date, no task
    assert services.open_instructions_for(p["member"]) == [instruction]
    services.acknowledge(p["lead"], instruction, now, instruction.version)  # a team lead may acknowledge
    assert instruction.status == "acknowledged"
    assert services.open_instructions_for(p["member"]) == []
    assert services.open_instructions_for(p["head"]) == []  # nothing waits for the leader
    assert services.allowed_actions(p["head"], instruction, entry) == {"close"}
    assert services.allowed_actions(p["member"], instruction, entry) == {"report"}  # optional feedback
    services.close(p["head"], instruction, now, instruction.version)
    assert instruction.status == "closed"


@pytest.mark.parametrize(
    "kind, text, due, message",
    [
        ("action", "请尽快拜访", None, "批办"),
        ("action", " \x01\n ", DUE, ""),
        ("action", "请尽快拜访", date(2026, 3, 1), ""),
        ("order", "请尽快拜访", DUE, ""),
    ],
)
def test_bad_instructions_are_refused_in_words(worked, now, kind, text, due, message):
    p, teams, entry, _other = worked
    with pytest.raises(DomainError) as refused:
        order(p["manager"], entry, now, kind=kind, text=text, due=due)
    assert message in str(refused.value)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Instruction)) == 0


def test_who_may_write_an_instruction(worked, now, make_entry):
    p, teams, entry, other = worked
    for role in ("member", "lead", "member_b", "other_head"):  # a county head of another county, staff
        with pytest.raises(Forbidden):
            order(p[role], entry, now)
        db.session.rollback()
    with pytest.raises(Forbidden):
        order(p["head"], other, now)  # another county's target
    db.session.rollback()
    assert order(p["head"], entry, now).author_id == p["head"].id
    assert order(p["other_head"], other, now).author_id == p["other_head"].id
    unassigned = make_entry(p["proposer"], name="聊城（示例）未分配有限公司")
    with pytest.raises(DomainError, match="攻坚团队"):
        order(p["manager"], unassigned, now)


def test_only_the_team_acknowledges_and_only_the_author_closes(worked, now):
    p, teams, entry, _other = worked
    instruction = order(p["manager"], entry, now)
    for role in ("member_b", "head", "manager", "other_member"):
        with pytest.raises(Forbidden):
            services.acknowledge(p[role], instruction, now, instruction.version)
        db.session.rollback()
    with pytest.raises(DomainError, match="待签收"):  # acknowledge first
        services.report(p["member"], instruction, "已办", now, instruction.version)
    db.session.rollback()
    services.acknowledge(p["member"], instruction, now, instruction.version)
    with pytest.raises(DomainError):
        services.report(p["member"], instruction, "  ", now, instruction.version)
    db.session.rollback()
    services.report(p["member"], instruction, "已办", now, instruction.version)
    for role in ("member", "lead", "head"):  # the county head did not write it
        with pytest.raises(Forbidden):
            services.close(p[role], instruction, now, instruction.version)
        db.session.rollback()
    with pytest.raises(DomainError):
        services.return_report(p["manager"], instruction, "", now, instruction.version)
    db.session.rollback()
    assert instruction.status == "reported"


def test_a_stale_step_names_who_changed_it(worked, now):
    p, teams, entry, _other = worked
    instruction = order(p["manager"], entry, now)
    seen = instruction.version
    services.acknowledge(p["lead"], instruction, now, seen)
    with pytest.raises(StaleRecord, match=p["lead"].full_name):
        services.acknowledge(p["member"], instruction, now, seen)


def test_open_instructions_for_each_user_within_their_scope(worked, now):
    p, teams, entry, other = worked
    mine = order(p["manager"], entry, now)
    theirs = order(p["other_head"], other, now)
    assert services.open_instructions_for(p["member"]) == [mine]
    assert services.open_instructions_for(p["lead"]) == [mine]
    assert services.open_instructions_for(p["other_member"]) == [theirs]
    for role in ("member_b", "head", "manager", "other_head", "proposer"):
        assert services.open_instructions_for(p[role]) == []
    services.acknowledge(p["member"], mine, now, mine.version)
    services.report(p["member"], mine, "已办", now, mine.version)
    assert services.open_instructions_for(p["member"]) == []
    member_name = p["member"].full_name
    db.session.expire_all()
    waiting = services.open_instructions_for(p["manager"])
    assert [i.id for i in waiting] == [mine.id]
    with count_queries() as statements:  # the entry, its enterprise and owner came with the list
        assert (waiting[0].entry.enterprise.name, waiting[0].entry.owner.full_name) == (
            "聊城（示例）批示精密机械有限公司", member_name)  # fmt: skip
    assert statements == []
    assert [i.id for i in services.issued_by(p["manager"])] == [mine.id]
    assert services.issued_by(p["head"]) == []


def test_the_batch_order_task_is_not_completed_or_moved_by_the_plan(worked, now):
    p, teams, entry, _other = worked
    instruction = order(p["manager"], entry, now)
    task = db.session.get(Task, instruction.task_id)
    data = logs.LogData(now, "visit", "拜访", complete_task_id=task.id)
    with pytest.raises(DomainError):
        logs.record_log(p["member"], entry, data, now, Path("/nonexistent"))
    db.session.rollback()
    task = db.session.get(Task, instruction.task_id)
    with pytest.raises(DomainError):
        plan_services.shift_task(p["lead"], task, date(2026, 4, 1), p["member"], task.version, now)
    db.session.rollback()
    assert db.session.get(Task, instruction.task_id).due_date == DUE
