"""A signed target of 东昌府区's team A (its first project made by the signing), ready for a second project."""

from datetime import UTC, date, datetime

import pytest

from crm.plans import logs
from crm.projects.services import projects_of
from crm.projects.stages import StageEvidence, advance
from crm.teams import assignment
from crm.vocab import State
from tests.teams.conftest import campaign  # noqa: F401  (the team fixture, reused)

SIGNED_AT = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # Monday 2026-10-12, 10:00 in Beijing
TODAY = date(2026, 10, 12)


@pytest.fixture
def signed(campaign, tmp_path):  # noqa: F811
    """(people, teams, the signed entry, its first project)."""
    p, teams, whitelisted = campaign
    entry = whitelisted("聊城（示例）新材料股份有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], SIGNED_AT)
    logs.record_log(p["member"], entry, logs.LogData(SIGNED_AT, "visit", "上门拜访"), SIGNED_AT, tmp_path)
    advance(p["member"], entry, State.NEGOTIATING, StageEvidence(), SIGNED_AT, TODAY)
    advance(p["member"], entry, State.SIGNED, StageEvidence(on=TODAY, amount=50_000), SIGNED_AT, TODAY)
    return p, teams, entry, projects_of(entry.id)[0]
