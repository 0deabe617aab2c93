"""Targets for the 项目台账 and 月度到位资金 imports. Today is 2027-03-15 in Beijing, so the bureau's 2027 dates are
in the past.

bearing  聊城华泰精密轴承有限公司   东昌府区, team A (assigned for real: open plan steps), in negotiation
solar    鲁西光伏新能源科技有限公司 东昌府区 (team B) and 茌平区 (team C), both in negotiation
early    东岳早期接触有限公司       东昌府区, only whitelisted
"""

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook

from crm.extensions import db
from crm.imports import services
from crm.imports.columns import auto_mapping, columns_for
from crm.imports.reader import read_table
from crm.teams.assignment import assign
from crm.vocab import State
from crm.whitelist import services as wf
from tests.teams.conftest import campaign, industry  # noqa: F401  (the team fixture, reused)

LEDGER_NOW = datetime(2027, 3, 15, 2, 0, tzinfo=UTC)
TODAY = date(2027, 3, 15)


def sheet(headers: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dry(actor, kind: str, headers: list[str], rows: list[list], today: date = TODAY) -> services.Plan:
    table = read_table("台账.xlsx", sheet(headers, rows))
    return services.dry_run(actor, table, auto_mapping(table.headers, columns_for(kind)), kind, today)


def reasons(plan: services.Plan) -> dict[int, list[tuple[str, str]]]:
    return {row.number: row.errors for row in plan.rows if row.errors}


@pytest.fixture
def targets(campaign, make_entry, now):  # noqa: F811
    p, teams, whitelisted = campaign
    t = {"bearing": whitelisted("聊城华泰精密轴承有限公司", "371502", "装备制造")}
    assign(p["lead"], t["bearing"], teams["A"], p["member"], now)
    t["solar"] = whitelisted("鲁西光伏新能源科技有限公司", "371502", "新能源")
    t["solar_cp"] = make_entry(p["other_proposer"], region_code="371503", enterprise=t["solar"].enterprise,
                               industry_id=industry("新能源").id)  # fmt: skip
    wf.approve(p["other_head"], t["solar_cp"], now, "两县对接不同项目")
    wf.approve(p["manager"], t["solar_cp"], now, "两县对接不同项目")
    t["early"] = whitelisted("东岳早期接触有限公司", "371502", "装备制造")
    for key, team in (("bearing", "A"), ("solar", "B"), ("solar_cp", "C")):
        t[key].state, t[key].team_id = State.NEGOTIATING, teams[team].id
    db.session.commit()
    return p, t
