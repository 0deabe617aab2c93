"""Projects from signing to production: several per target, landing in other zones, evidence per step, the
entry's stage as the summary of its projects, milestone tasks for the reminders, and the lights."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.plans.models import Task
from crm.projects import lights, services
from crm.projects.models import Project
from crm.projects.services import Evidence, ProjectData
from crm.projects.stages import StageEvidence, add_funds, advance
from crm.refdata.models import Region, Setting
from crm.scope import project_scope
from crm.vocab import State
from crm.whitelist.models import Event
from tests.projects.conftest import SIGNED_AT, TODAY

LATER = SIGNED_AT + timedelta(days=30)
UUSC_VALID = "91371500MA3C8X7B28"


def zone(name: str = "聊城高新技术产业开发区") -> Region:
    return db.session.scalar(select(Region).where(Region.name == name))


def second(p, entry, **fields) -> Project:
    data = ProjectData(name=fields.pop("name", "二期 高端轴承产线"), region_id=fields.pop("region_id", zone().id),
                       agreement=fields.pop("agreement", "contract"), signed_on=fields.pop("signed_on", date(2026, 11, 2)),
                       contract_amount=fields.pop("contract_amount", 120_000), **fields)  # fmt: skip
    return services.add_project(p["member"], entry, data, LATER, date(2026, 11, 11))


def test_signing_makes_the_first_project_from_the_entry(signed):
    _p, _teams, entry, project = signed
    assert (project.entry_id, project.signed_on, project.contract_amount) == (entry.id, TODAY, 50_000)
    assert (
        project.region_id == entry.region_id and project.agreement == "contract" and project.state == "signed"
    )
    task = db.session.scalar(select(Task).where(Task.project_id == project.id))
    assert task.kind == "project" and task.status == "open" and task.title.startswith("办理注册落地")
    assert task.due_date > TODAY  # 40 working days after signing, past 国庆 and weekends


def test_a_second_project_lands_in_a_zone_and_counts_there(signed, make_user):
    p, _teams, entry, first = signed
    project = second(p, entry, schedule={date(2026, 12, 1): 30_000, date(2027, 1, 1): 50_000})
    assert [x.name for x in services.projects_of(entry.id)] == [first.name, "二期 高端轴承产线"]
    assert project.region_id == zone().id and project.region_id != entry.region_id
    assert [(x.month, x.amount) for x in project.plan] == [
        (date(2026, 12, 1), 30_000),
        (date(2027, 1, 1), 50_000),
    ]
    # The zone's head sees the project it hosts, though the target is 东昌府区's; 茌平区's head does not.
    zone_head = make_user("county_head")
    zone_head.region_id = zone().id
    db.session.commit()
    seen = set(db.session.scalars(select(Project.id).where(project_scope(zone_head))))
    assert seen == {project.id}
    assert not db.session.scalar(
        select(func.count()).select_from(Project).where(project_scope(p["other_head"]))
    )
    event = db.session.scalar(select(Event).where(Event.project_id == project.id))
    assert (
        event.action == "project_add"
        and "120,000" in event.detail.replace("12.00亿元", "120,000")
        or event.detail
    )


def test_stages_need_their_evidence_and_the_entry_follows_the_furthest(signed):
    p, _teams, entry, first = signed
    project = second(p, entry)
    with pytest.raises(DomainError, match="信用代码|credit code"):
        services.advance(
            p["member"], project, "landed", Evidence(on=date(2026, 11, 5)), LATER, date(2026, 11, 11)
        )
    with pytest.raises(DomainError):
        services.advance(p["member"], project, "landed", Evidence(on=date(2026, 11, 5), uscc="91371500MA3C8X7B2X"),
                         LATER, date(2026, 11, 11))  # fmt: skip
    with pytest.raises(DomainError):  # before the signing
        services.advance(p["member"], project, "landed", Evidence(on=date(2026, 10, 1), uscc=UUSC_VALID), LATER,
                         date(2026, 11, 11))  # fmt: skip
    with pytest.raises(DomainError):  # skipping a step
        services.advance(
            p["member"], project, "started", Evidence(on=date(2026, 11, 5)), LATER, date(2026, 11, 11)
        )
    services.advance(p["member"], project, "landed", Evidence(on=date(2026, 11, 5), uscc=" ９１３７１５００-ma3c8x7b28\u200b"),
                     LATER, date(2026, 11, 11))  # fmt: skip
    assert project.landed_uscc == UUSC_VALID  # stored in the normal form it was checked in
    db.session.refresh(entry)
    assert entry.state == State.LANDED and entry.landed_on == date(2026, 11, 5)
    tasks = {
        t.title.split("：")[0]: t.status
        for t in db.session.scalars(select(Task).where(Task.project_id == project.id))
    }
    assert tasks == {"办理注册落地": "done", "推动项目开工": "open"}
    services.advance(
        p["member"], project, "started", Evidence(on=date(2026, 11, 9)), LATER, date(2026, 11, 11)
    )
    db.session.refresh(entry)
    assert entry.state == State.STARTED and first.state == "signed"  # the first project has not moved
    # With two live projects the entry's own stage form cannot say which one moved.
    with pytest.raises(DomainError, match="2"):
        advance(
            p["member"],
            entry,
            State.PRODUCING,
            StageEvidence(on=date(2026, 11, 10)),
            LATER,
            date(2026, 11, 11),
        )


def test_terminating_needs_a_reason_and_cancels_its_milestones(signed):
    p, _teams, entry, project = signed
    with pytest.raises(DomainError):
        services.terminate(p["member"], project, "  ", LATER)
    services.terminate(p["member"], project, "企业战略调整，项目取消", LATER)
    assert project.state == "terminated" and project.terminated_reason == "企业战略调整，项目取消"
    assert db.session.scalar(select(Task.status).where(Task.project_id == project.id)) == "cancelled"
    with pytest.raises(DomainError):
        services.terminate(p["member"], project, "再次终止", LATER)


def test_only_the_team_county_head_and_managers_add_projects(signed):
    p, _teams, entry, _project = signed
    with pytest.raises(Forbidden):
        services.add_project(
            p["other_lead"], entry, ProjectData("x", zone().id, "contract", TODAY, 100), LATER, TODAY
        )
    with pytest.raises(Forbidden):
        services.add_project(
            p["member_b"], entry, ProjectData("x", zone().id, "contract", TODAY, 100), LATER, TODAY
        )


def test_a_framework_agreement_does_not_sign_the_target_unless_the_setting_says_so(campaign, tmp_path):
    from crm.plans import logs
    from crm.teams import assignment

    p, teams, whitelisted = campaign
    entry = whitelisted("框架协议企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], SIGNED_AT)
    logs.record_log(p["member"], entry, logs.LogData(SIGNED_AT, "visit", "拜访"), SIGNED_AT, tmp_path)
    advance(p["member"], entry, State.NEGOTIATING, StageEvidence(), SIGNED_AT, TODAY)
    data = ProjectData("框架合作项目", entry.region_id, "framework", TODAY, 1_000_000)
    services.add_project(p["member"], entry, data, SIGNED_AT, TODAY)
    db.session.refresh(entry)
    assert entry.state == State.NEGOTIATING
    db.session.add(Setting(key="signing_agreements", value="framework,investment,contract,supplement"))
    db.session.commit()
    services.add_project(p["member"], entry, ProjectData("投资协议项目", entry.region_id, "investment", TODAY, 500),
                         SIGNED_AT, TODAY)  # fmt: skip
    db.session.refresh(entry)
    assert entry.state == State.SIGNED and entry.signed_on == TODAY
    # Signing ended the contact plan as signing by hand does.
    assert not db.session.scalar(select(func.count()).select_from(Task).where(
        Task.entry_id == entry.id, Task.kind == "step", Task.status == "open"))  # fmt: skip


def test_a_stale_project_form_says_someone_changed_it(signed):
    p, _teams, _entry, project = signed
    old = project.version
    services.set_schedule(p["member"], project, {date(2026, 12, 1): 100}, LATER)
    with pytest.raises(StaleRecord):
        services.terminate(p["lead"], project, "理由", LATER, expected_version=old)


def test_entry_funds_need_one_project(signed):
    p, _teams, entry, _project = signed
    row = add_funds(p["member"], entry, date(2026, 10, 20), 800, 0, "首期", LATER, date(2026, 11, 11))
    assert row.project_id and row.return_id and row.arrived_on == date(2026, 10, 1)
    second(p, entry)
    with pytest.raises(DomainError, match="2"):
        add_funds(p["member"], entry, date(2026, 10, 20), 800, 0, None, LATER, date(2026, 11, 11))


@pytest.mark.parametrize("colour_on", [("yellow", date(2026, 12, 21)), ("red", date(2027, 2, 1))])
def test_an_unregistered_project_turns_yellow_then_red_in_python_and_sql(signed, colour_on):
    _p, _teams, _entry, project = signed
    colour, today = colour_on
    assert lights.lights_for([project], TODAY)[project.id].colour == "green"
    found = lights.lights_for([project], today)[project.id]
    assert found.colour == colour and any("2026-10-12" in r for r in found.reasons)
    matching = set(db.session.scalars(select(Project.id).where(lights.light_clause(colour, today))))
    assert matching == {project.id}
    assert not set(db.session.scalars(select(Project.id).where(lights.light_clause("green", today))))


def test_funds_behind_schedule_light_the_project(signed):
    p, _teams, entry, project = signed
    services.set_schedule(p["member"], project, {date(2026, 10, 1): 1000}, LATER)
    # November 20th: October ended more than 10 working days ago and nothing verified has arrived.
    found = lights.lights_for([project], date(2026, 11, 20))[project.id]
    assert found.colour == "yellow" and any("1000" in r for r in found.reasons)
    assert project.id in set(
        db.session.scalars(select(Project.id).where(lights.light_clause("yellow", date(2026, 11, 20))))
    )


def test_the_milestone_task_reaches_the_reminder_scan(signed):
    from crm.reminders.scan import scan

    _p, _teams, _entry, project = signed
    task = db.session.scalar(select(Task).where(Task.project_id == project.id))
    from crm.plans.calendar import WorkCalendar

    day = WorkCalendar.load().add_workdays(task.due_date, 15)  # a working day, past every 督办 level
    late = datetime.combine(day, datetime.min.time(), UTC).replace(hour=2)
    scan(late)
    from crm.reminders.models import Escalation, Notification

    assert (
        db.session.scalar(select(func.count()).select_from(Escalation).where(Escalation.task_id == task.id))
        >= 1
    )
    keys = set(db.session.scalars(select(Notification.dedupe_key)))
    assert any(k.startswith(f"task:{task.id}:overdue") for k in keys)
