"""What a review of the first version found: each test fails on that version."""

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.errors_domain import DomainError, StaleRecord
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.projects import lights, returns, services
from crm.projects.forms import parse_schedule
from crm.projects.models import FundReturn, Project
from crm.projects.returns import ArrivalData
from crm.projects.services import ProjectData
from crm.projects.stages import StageEvidence, advance
from crm.refdata.models import Setting
from crm.vocab import State
from crm.whitelist import services as wf
from tests.projects.conftest import SIGNED_AT, TODAY

NOV = date(2026, 11, 1)
LATER = date(2026, 11, 20)


def test_signing_by_hand_after_a_framework_agreement_makes_a_counted_project(campaign, tmp_path):
    from crm.plans import logs
    from crm.teams import assignment

    p, teams, whitelisted = campaign
    entry = whitelisted("先签框架协议的企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], SIGNED_AT)
    logs.record_log(p["member"], entry, logs.LogData(SIGNED_AT, "visit", "拜访"), SIGNED_AT, tmp_path)
    advance(p["member"], entry, State.NEGOTIATING, StageEvidence(), SIGNED_AT, TODAY)
    services.add_project(p["member"], entry, ProjectData("框架合作", entry.region_id, "framework", TODAY, 900_000),
                         SIGNED_AT, TODAY)  # fmt: skip
    advance(p["member"], entry, State.SIGNED, StageEvidence(on=TODAY, amount=500_000), SIGNED_AT, TODAY)
    agreements = sorted(p.agreement for p in services.projects_of(entry.id))
    assert agreements == ["contract", "framework"]


def test_dropping_a_target_terminates_its_projects_and_its_county_owes_no_return(signed):
    from crm.reminders.returns_scan import _hosting

    p, _teams, entry, project = signed
    assert project.region_id in _hosting(NOV)
    wf.drop(p["manager"], entry, "企业放弃在聊投资", SIGNED_AT)
    db.session.refresh(project)
    assert (project.state, project.terminated_reason) == ("terminated", "企业放弃在聊投资")
    assert project.region_id not in _hosting(NOV)


def test_a_huge_planned_amount_is_a_message_not_a_crash():
    with pytest.raises(ValueError, match="2"):
        parse_schedule("2027-01 100\n2027-02 99999999999")


def test_a_line_added_after_the_page_was_read_makes_its_submit_stale(signed):
    p, _teams, _entry, project = signed
    returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=100), SIGNED_AT, LATER)
    ret = db.session.scalar(select(FundReturn))
    seen = ret.version
    returns.add_arrival(p["member"], project, ArrivalData(month=NOV, fixed=999), SIGNED_AT, LATER)
    with pytest.raises(StaleRecord):
        returns.submit(p["head"], ret, SIGNED_AT, expected_version=seen)


def test_the_funds_light_waits_for_a_long_grace_period(signed):
    _p, _teams, _entry, _project = signed
    db.session.add(Setting(key="project_funds_grace_days", value="60"))
    db.session.commit()
    due = lights.cutoffs(date(2026, 10, 12), WorkCalendar.load()).funds["yellow"]
    assert due == date(2026, 6, 1)  # June ended 60 working days before 12 October only just; July has not


def test_a_correction_cannot_take_a_month_below_zero(signed, make_user):
    p, _teams, _entry, project = signed
    returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=100), SIGNED_AT, LATER)
    ret = db.session.scalar(select(FundReturn))
    returns.submit(p["lead"], ret, SIGNED_AT)
    returns.verify(p["manager"], ret, SIGNED_AT)
    returns.open_adjustment(p["lead"], ret.region_id, NOV, "多报", SIGNED_AT)
    with pytest.raises(DomainError):
        returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=-101), SIGNED_AT, LATER)
    returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=-100), SIGNED_AT, LATER)


def test_a_manager_who_reported_a_line_does_not_verify_it(signed):
    p, _teams, _entry, project = signed
    returns.add_arrival(p["manager"], project, ArrivalData(month=NOV, fixed=99_999), SIGNED_AT, LATER)
    ret = db.session.scalar(select(FundReturn))
    returns.submit(p["head"], ret, SIGNED_AT)
    with pytest.raises(DomainError):
        returns.verify(p["manager"], ret, SIGNED_AT)


def test_a_terminated_project_takes_no_new_funds(signed):
    p, _teams, _entry, project = signed
    services.terminate(p["member"], project, "项目取消", SIGNED_AT)
    with pytest.raises(DomainError):
        returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=1), SIGNED_AT, LATER)
    assert not db.session.scalar(
        select(func.count()).select_from(Project).where(Project.state != "terminated")
    )


def test_the_edit_form_without_its_version_is_stale(signed, login):
    p, _teams, _entry, project = signed
    form = {"name": "改名", "region_id": str(project.region_id), "agreement": "contract", "signed_on": "2026-10-12",
            "contract_amount": "50000"}  # fmt: skip
    response = login(p["lead"]).post(f"/projects/{project.id}/edit", data=form)
    assert response.status_code == 422
    db.session.refresh(project)
    assert project.name != "改名"


def test_a_target_assigned_and_signed_on_a_saturday(campaign, tmp_path):
    """The plan starts on Monday; a signing on the Saturday of the assignment is not 'before the plan'."""
    from datetime import UTC, datetime

    from crm.plans import logs
    from crm.teams import assignment

    p, teams, whitelisted = campaign
    saturday = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    entry = whitelisted("周末签约企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], saturday)
    assert entry.plan_start == date(2026, 12, 7)
    logs.record_log(p["member"], entry, logs.LogData(saturday, "visit", "周末上门拜访"), saturday, tmp_path)
    advance(p["member"], entry, State.NEGOTIATING, StageEvidence(), saturday, date(2026, 12, 5))
    advance(p["member"], entry, State.SIGNED, StageEvidence(on=date(2026, 12, 5), amount=1000), saturday,
            date(2026, 12, 5))  # fmt: skip
    assert entry.state == State.SIGNED and services.projects_of(entry.id)[0].signed_on == date(2026, 12, 5)


def test_a_days_cutoffs_are_worked_out_once_per_reading_of_the_holiday_table(app, monkeypatch):
    """A project light's cutoffs walk some 500 days: kept on the calendar's reading for the day and the settings.
    A new setting, another day or another reading of the holiday table works them out again, and the kept ones
    equal what a fresh calendar works out."""
    from crm.settings import set_setting

    cal, day = WorkCalendar.load(), date(2026, 12, 7)
    first = lights.cutoffs(day, cal)
    walked: list[int] = []
    add_workdays = WorkCalendar.add_workdays
    monkeypatch.setattr(
        WorkCalendar, "add_workdays", lambda self, d, n: walked.append(n) or add_workdays(self, d, n)
    )
    assert lights.cutoffs(day, cal) is first and walked == []
    assert lights.cutoffs(day, WorkCalendar.load()) == first and walked  # another reading
    walked.clear()
    assert lights.cutoffs(date(2026, 12, 8), cal) != first and walked  # another day
    set_setting("project_register_days", "25")
    db.session.commit()
    later = lights.cutoffs(day, cal)
    assert later.register["yellow"] == WorkCalendar.load().add_workdays(day, -25) != first.register["yellow"]
