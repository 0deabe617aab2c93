"""An assigned entry whose three-month plan started on Monday 2026-09-28 (just before 国庆)."""

from datetime import UTC, datetime

import pytest

from crm.teams import assignment
from tests.teams.conftest import campaign  # noqa: F401  (the team fixture, reused)

ASSIGNED_AT = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


@pytest.fixture
def target(campaign):  # noqa: F811
    p, teams, whitelisted = campaign
    entry = whitelisted("计划测试企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], ASSIGNED_AT)
    return p, entry
