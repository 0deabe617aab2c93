"""The dashboard on a phone (issue 19): the weekly chart has a table view with the same figures, and the goals table
carries the labels its cells need to stack as cards under 576 px (.table-responsive-stack)."""

import re

from crm.dashboard.services import collect
from crm.types import local_date, utcnow


def test_the_weekly_chart_has_a_table_with_its_figures(world, login):
    p, _teams, _e = world
    client = login(p["manager"])
    page = client.get("/dashboard/?year=2026").data.decode()
    table = re.search(
        r'<table class="table table-sm mb-0" data-testid="weekly-table">(.*?)</table>', page, re.S
    )
    assert table, "no weekly table"
    rows = re.findall(r'<td class="text-end">(\d+)</td><td class="text-end">(\d+)</td>', table.group(1))
    dash = collect(p["manager"], 2026, local_date(utcnow()))
    assert rows and [(int(a), int(b)) for a, b in rows] == [(w.signed, w.pipeline) for w in dash.weeks]


def test_the_goals_table_stacks_with_labelled_cells(world, login):
    p, _teams, _e = world
    page = login(p["manager"]).get("/dashboard/?year=2026").data.decode()
    goals = re.search(r'data-testid="goals">(.*?)</table>', page, re.S).group(1)
    assert "table-responsive-stack" in page.split('data-testid="goals"')[0][-200:]
    body = goals.split("<tbody>")[1]
    rows = body.count("<tr ")
    assert rows >= 5
    for label in ("完成", "目标", "进度", "差距"):
        assert body.count(f'data-label="{label}"') == rows, label
