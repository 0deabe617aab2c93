"""Each project's 到位资金 standing (verified so far, the first planned month it falls behind), kept by the services
that change it, read by the lights, and mended each night from the records."""

from datetime import date

from flask import current_app
from sqlalchemy import select, update

from crm.extensions import db
from crm.projects import lights, returns, standing
from crm.projects.models import FundReturn, Project
from crm.projects.returns import ArrivalData
from crm.projects.services import set_schedule
from crm.reminders import jobs
from crm.reminders.models import Heartbeat
from tests.projects.conftest import SIGNED_AT

NOV, DEC, JAN = date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)
TODAY = date(2026, 11, 20)
LATER = date(2027, 4, 15)  # every planned month below is long due, past the 2027 Spring Festival too


def test_the_first_month_the_running_plan_exceeds_the_verified_funds():
    assert standing.behind_from([], 0) is None
    assert standing.behind_from([(DEC, 2000), (NOV, 3000)], 0) == NOV
    assert standing.behind_from([(NOV, 3000), (DEC, 2000)], 3000) == DEC
    assert standing.behind_from([(NOV, 3000), (DEC, 2000)], 5000) is None
    assert standing.behind_from([(NOV, 3000)], -200) == NOV  # an adjustment may take funds below zero


def stored(project: Project) -> tuple[int, date | None]:
    db.session.refresh(project)
    return project.funds_verified, project.funds_behind_from


def red_ids() -> set[int]:
    return set(db.session.scalars(select(Project.id).where(lights.light_clause("red", LATER))))


def behind(project: Project) -> bool:
    """The light gives the schedule as a reason."""
    return any("计划" in r for r in lights.lights_for([project], LATER)[project.id].reasons)


def verify_line(p, project, month: date, fixed: int) -> FundReturn:
    line = returns.add_arrival(p["lead"], project, ArrivalData(month=month, fixed=fixed), SIGNED_AT, TODAY)
    ret = db.session.get(FundReturn, line.return_id)
    returns.submit(p["lead"], ret, SIGNED_AT)
    returns.verify(p["manager"], ret, SIGNED_AT)
    return ret


def test_the_services_keep_the_standing_and_the_lights_read_it(signed, make_user):
    p, _teams, _entry, project = signed
    version = project.version
    set_schedule(p["lead"], project, {NOV: 3000, DEC: 2000}, SIGNED_AT)
    assert stored(project) == (0, NOV)
    assert project.id in red_ids()
    assert any("5000" in r for r in lights.lights_for([project], LATER)[project.id].reasons)

    ret = verify_line(p, project, NOV, 3500)
    assert stored(project) == (3500, DEC)  # November covered, December's 2000 not yet
    reasons = lights.lights_for([project], LATER)[project.id].reasons
    assert any("3500" in r and "5000" in r for r in reasons)

    # A verified correction of −500 (an adjustment) lowers the total; the standing follows on verification only.
    returns.open_adjustment(p["lead"], project.region_id, NOV, "银行回单金额有误", SIGNED_AT)
    adj_line = returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=-500), SIGNED_AT, TODAY)
    assert stored(project) == (3500, DEC)
    adj = db.session.get(FundReturn, adj_line.return_id)
    returns.submit(p["lead"], adj, SIGNED_AT)
    p["manager2"] = make_user("manager", username="boss2")
    returns.verify(p["manager2"], adj, SIGNED_AT)
    assert stored(project) == (3000, DEC)
    assert ret.status == "verified"

    set_schedule(p["lead"], project, {NOV: 3000}, SIGNED_AT)  # the plan shrinks to what has arrived
    assert stored(project) == (3000, None)
    assert not behind(project)
    # What the services wrote is what the records say, and only the schedule's writers bumped the version.
    assert standing.refresh() == 0
    assert project.version == version + 2


def test_the_nightly_job_mends_a_standing_written_another_way(signed):
    p, _teams, _entry, project = signed
    set_schedule(p["lead"], project, {NOV: 3000, JAN: 2000}, SIGNED_AT)
    verify_line(p, project, NOV, 3000)
    assert stored(project) == (3000, JAN)
    db.session.execute(
        update(Project).where(Project.id == project.id).values(funds_verified=0, funds_behind_from=None)
    )
    db.session.commit()
    assert not behind(project)  # the light trusts the column …

    jobs.bind(current_app._get_current_object())
    jobs.run_standing()
    db.session.expire_all()
    assert stored(project) == (3000, JAN)  # … which the night's pass puts right
    beat = db.session.get(Heartbeat, "standing")
    assert beat is not None and "1" in beat.detail
    assert behind(project)
