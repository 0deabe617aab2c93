"""The monthly 到位资金 return: filed by the county, verified by the city (never by whoever submitted it), locked once
verified and corrected by a reviewed adjustment; only verified figures count; reminders before the deadline and a
督办 after it."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.plans.models import FundArrival
from crm.projects import returns
from crm.projects.models import FundReturn
from crm.projects.returns import ArrivalData
from crm.reminders.models import Notification
from crm.reminders.scan import scan
from tests.projects.conftest import SIGNED_AT

NOV = date(2026, 11, 1)
TODAY = date(2026, 11, 20)


def verified_total() -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(FundArrival.fixed_amount + FundArrival.other_amount), 0))
        .join(FundReturn, FundReturn.id == FundArrival.return_id).where(FundReturn.status == "verified")
    )  # fmt: skip


@pytest.fixture
def filed(signed, make_user):
    """The target's project with a line in 东昌府区's November return, filed by the lead."""
    p, _teams, _entry, project = signed
    p["manager2"] = make_user("manager", username="boss2")
    line = returns.add_arrival(p["lead"], project, ArrivalData(month=date(2026, 11, 15), fixed=3000, other=500,
                                                               out_of_province=True, source_province="北京市",
                                                               note="首期设备款"), SIGNED_AT, TODAY)  # fmt: skip
    return p, project, line, db.session.get(FundReturn, line.return_id)


def test_a_line_goes_into_the_landing_countys_draft_return(filed):
    _p, project, line, ret = filed
    assert (ret.region_id, ret.month, ret.seq, ret.status) == (project.region_id, NOV, 0, "draft")
    assert (line.arrived_on, line.source_province, line.out_of_province) == (NOV, "北京市", True)
    assert verified_total() == 0  # nothing counts before the city verifies it


def test_bad_lines_are_refused_with_a_reason(filed):
    p, project, _line, _ret = filed
    with pytest.raises(DomainError):
        returns.add_arrival(
            p["lead"], project, ArrivalData(month=date(2026, 12, 1), fixed=1), SIGNED_AT, TODAY
        )
    with pytest.raises(DomainError):  # before the project was signed
        returns.add_arrival(
            p["lead"], project, ArrivalData(month=date(2026, 9, 1), fixed=1), SIGNED_AT, TODAY
        )
    with pytest.raises(DomainError):
        returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=-5), SIGNED_AT, TODAY)
    with pytest.raises(DomainError):  # 省外 needs the province, and 山东 is not 省外
        returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=5, out_of_province=True,
                                                            source_province="山东省"), SIGNED_AT, TODAY)  # fmt: skip
    with pytest.raises(Forbidden):
        returns.add_arrival(p["other_lead"], project, ArrivalData(month=NOV, fixed=5), SIGNED_AT, TODAY)


def test_submit_verify_and_the_maker_checker_rule(filed):
    p, project, _line, ret = filed
    with pytest.raises(Forbidden):  # a member files nothing for the county
        returns.submit(p["member"], ret, SIGNED_AT)
    with pytest.raises(Forbidden):  # another county's lead
        returns.submit(p["other_lead"], ret, SIGNED_AT)
    returns.submit(p["manager"], ret, SIGNED_AT)  # a manager may file too …
    with pytest.raises(DomainError, match="另一位|another"):
        returns.verify(p["manager"], ret, SIGNED_AT)  # … but never verify their own
    with pytest.raises(Forbidden):
        returns.verify(p["head"], ret, SIGNED_AT)
    returns.verify(p["manager2"], ret, SIGNED_AT)
    assert ret.status == "verified" and ret.verified_by_id == p["manager2"].id
    assert verified_total() == 3500


def test_a_verified_month_is_locked_and_corrected_by_an_adjustment(filed):
    p, project, line, ret = filed
    returns.submit(p["head"], ret, SIGNED_AT)
    with pytest.raises(DomainError):  # submitted: waiting for the city
        returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=1), SIGNED_AT, TODAY)
    returns.verify(p["manager"], ret, SIGNED_AT)
    with pytest.raises(DomainError, match="更正报告"):
        returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=1), SIGNED_AT, TODAY)
    with pytest.raises(DomainError):
        returns.remove_arrival(p["lead"], line)
    with pytest.raises(DomainError):  # an adjustment needs its reason
        returns.open_adjustment(p["lead"], ret.region_id, NOV, " ", SIGNED_AT)
    adj = returns.open_adjustment(p["lead"], ret.region_id, NOV, "银行回单金额有误", SIGNED_AT)
    assert (adj.seq, adj.status) == (1, "draft")
    with pytest.raises(DomainError):  # one adjustment at a time
        returns.open_adjustment(p["lead"], ret.region_id, NOV, "again", SIGNED_AT)
    fix = returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=-500), SIGNED_AT, TODAY)
    assert fix.return_id == adj.id
    assert verified_total() == 3500  # the correction counts only once verified
    returns.submit(p["lead"], adj, SIGNED_AT)
    returns.verify(p["manager"], adj, SIGNED_AT)
    assert verified_total() == 3000
    db.session.refresh(line)
    assert (line.fixed_amount, line.other_amount) == (3000, 500)  # the verified line itself never changed


def test_sent_back_with_a_reason_then_fixed_and_resubmitted(filed):
    p, project, line, ret = filed
    returns.submit(p["lead"], ret, SIGNED_AT)
    with pytest.raises(DomainError):
        returns.send_back(p["manager"], ret, "", SIGNED_AT)
    returns.send_back(p["manager"], ret, "缺少银行回单", SIGNED_AT)
    assert (ret.status, ret.return_reason) == ("returned", "缺少银行回单")
    returns.remove_arrival(p["lead"], line)
    returns.add_arrival(p["lead"], project, ArrivalData(month=NOV, fixed=3000), SIGNED_AT, TODAY)
    returns.submit(p["lead"], ret, SIGNED_AT)
    returns.verify(p["manager"], ret, SIGNED_AT)
    assert verified_total() == 3000


def test_a_stale_decision_is_refused(filed):
    from crm.errors_domain import StaleRecord

    p, _project, _line, ret = filed
    old = ret.version
    returns.submit(p["lead"], ret, SIGNED_AT)
    with pytest.raises(StaleRecord):
        returns.verify(p["manager"], ret, SIGNED_AT, expected_version=old)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def test_reminders_before_the_deadline_and_a_late_order_after_it(signed):
    p, _teams, _entry, _project = signed
    # November 2026: due on the 25th (a Wednesday); 3 working days before is Friday the 20th.
    scan(at(date(2026, 11, 19)))
    assert not db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "return_due")
    )
    scan(at(date(2026, 11, 20)))
    due = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "return_due")))
    assert due == {p["head"].id, p["lead"].id}
    scan(at(date(2026, 11, 26)))
    late = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "return_late")))
    assert late == {p["head"].id, p["manager"].id}
    of_returns = select(func.count()).select_from(Notification).where(Notification.kind.like("return%"))
    count = db.session.scalar(of_returns)
    scan(at(date(2026, 11, 27)))  # once per county and month
    assert db.session.scalar(of_returns) == count


def test_a_submitted_return_stops_the_reminders(filed):
    p, _project, _line, ret = filed
    returns.submit(p["lead"], ret, SIGNED_AT)
    scan(at(date(2026, 11, 26)))
    assert not db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind.in_(("return_due", "return_late")), Notification.title.contains("2026-11")))  # fmt: skip
