"""A worked target of team A (东昌府区) owned by its member, for the 领导批示 tests; the team campaign's people."""

from datetime import date

import pytest

from crm.instructions import services
from crm.teams import assignment
from tests.reminders.conftest import smtp  # noqa: F401  (a real SMTP server)
from tests.teams.conftest import campaign  # noqa: F401

DUE = date(2026, 3, 4)  # a Wednesday, two days after the campaign's Monday


@pytest.fixture
def worked(campaign, now):  # noqa: F811
    """(people, teams, the target of team A owned by 'member', a target of 茌平区's team C)."""
    p, teams, whitelisted = campaign
    entry = whitelisted("聊城（示例）批示精密机械有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    other = whitelisted("茌平（示例）批示铝业有限公司", code="371503")
    assignment.assign(p["other_lead"], other, teams["C"], p["other_member"], now)
    return p, teams, entry, other


def order(actor, entry, now, kind="action", text="请于本周内上门拜访，摸清用地需求。", due=DUE):
    return services.issue(actor, entry, services.InstructionData(kind=kind, text=text, due_date=due), now)
