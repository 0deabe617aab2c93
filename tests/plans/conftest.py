"""An assigned entry whose three-month plan started on Monday 2026-09-28 (just before 国庆)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crm.plans import logs
from crm.plans.models import Task
from crm.plans.services import plan_of
from crm.teams import assignment
from tests.teams.conftest import campaign  # noqa: F401  (the team fixture, reused)

ASSIGNED_AT = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


@pytest.fixture
def target(campaign):  # noqa: F811
    p, teams, whitelisted = campaign
    entry = whitelisted("计划测试企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], ASSIGNED_AT)
    return p, entry


def steps(entry) -> dict[str, Task]:
    return {t.title: t for t in plan_of(entry.id) if t.kind == "step"}


def log(p, entry, when, kind="phone", **extra):
    data = logs.LogData(occurred_at=when, kind=kind, summary="电话沟通投资意向", **extra)
    return logs.record_log(p["member"], entry, data, when, Path("/nonexistent"))
