"""The demo's projects and monthly 到位资金 returns: a target with two projects in different zones, a signed project
left unregistered long enough to light red, and the counties' returns in every state (verified, pending
verification, sent back with a reason)."""

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.projects import returns, services
from crm.projects.models import FundReturn
from crm.refdata.models import Region
from crm.types import local_date
from crm.vocab import Role, State
from crm.whitelist.models import WhitelistEntry

PENDING_COUNTY = "371503"  # 茌平区's return waits for the city
RETURNED_COUNTY = "371581"  # 临清市's was sent back
RETURN_REASON = "请补充银行进账回单，并按统计口径区分固定资产投资和其他到位资金。"


def _region(code: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.code == code))
    assert region is not None  # a county of the reference data
    return region


def _months_ago(day: date, n: int) -> date:
    month = day.replace(day=1)
    for _i in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def second_project(users: dict[str, User], entry: WhitelistEntry, now: datetime) -> None:
    """The producing target of 东昌府区 signs a phase two that lands in the 高新区, with a schedule and a first line."""
    today = local_date(now)
    signed_on = today - timedelta(days=40)
    schedule = {_months_ago(today, 1): 20_000, today.replace(day=1): 30_000, _months_ago(today, -1): 50_000}
    data = services.ProjectData(
        name=f"{entry.enterprise.name}二期（高新区智能制造基地）项目", region_id=_region("ZONE-HTZ").id,
        agreement="investment", signed_on=signed_on, contract_amount=180_000, planned_investment=200_000,
        industry_id=entry.industry_id, schedule=schedule,
    )  # fmt: skip
    project = services.add_project(entry.owner, entry, data, now - timedelta(days=40), signed_on)
    line = returns.ArrivalData(month=_months_ago(today, 1), fixed=18_000, other=2_000, out_of_province=True,
                               source_province="北京市", note="二期首笔设备款")  # fmt: skip
    returns.add_arrival(users["manager"], project, line, now - timedelta(days=20), today)


def stalled_signing(entry: WhitelistEntry, now: datetime) -> None:
    """A supplier the target brought along signed months ago and still has not registered: a red project whose
    overdue registration task climbs the 督办 ladder."""
    signed_on = local_date(now) - timedelta(days=120)
    data = services.ProjectData(
        name=f"{entry.enterprise.name}配套供应商落户项目", region_id=_region("ZONE-ETDZ").id, agreement="contract",
        signed_on=signed_on, contract_amount=30_000, planned_investment=35_000, industry_id=entry.industry_id,
    )  # fmt: skip
    services.add_project(entry.owner, entry, data, now - timedelta(days=120), signed_on)


def file_returns(users: dict[str, User], now: datetime) -> None:
    """Every draft return the demo wrote is submitted; the city verifies them, except 茌平区's (pending) and
    临清市's (sent back with a reason)."""
    heads = {u.region_id: u for u in users.values() if u.role == Role.COUNTY_HEAD}
    for ret in db.session.scalars(
        select(FundReturn).where(FundReturn.status == "draft").order_by(FundReturn.id)
    ):
        filer = heads.get(ret.region_id, users["manager"])
        returns.submit(filer, ret, now - timedelta(days=2))
        if ret.region.code == PENDING_COUNTY:
            continue
        checker = users["manager2"] if filer.id == users["manager"].id else users["manager"]
        if ret.region.code == RETURNED_COUNTY:
            returns.send_back(checker, ret, RETURN_REASON, now - timedelta(days=1))
        else:
            returns.verify(checker, ret, now - timedelta(days=1))


def seed_projects(
    users: dict[str, User], entries: list[WhitelistEntry], now: datetime, rng: random.Random
) -> None:
    del rng  # the projects are fixed; the signature matches the other demo steps
    producing = next(e for e in entries if e.state == State.PRODUCING)
    second_project(users, producing, now)
    started = next(e for e in entries if e.state == State.STARTED)
    stalled_signing(started, now)
    file_returns(users, now)
