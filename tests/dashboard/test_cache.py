"""The dashboard's figure cache (crm/dashboard/cache.py): on for these tests only (TestConfig turns it off)."""

import re
import threading
import time
from urllib.parse import urlencode

import pytest
from flask import url_for
from flask_babel import gettext as _

from crm.dashboard import fragments
from crm.dashboard.cache import figure_cache
from crm.dashboard.rankings import _kept as kept_rankings
from crm.dashboard.views import drill
from crm.extensions import db
from crm.figure_cache import REFRESH_MIN_SECONDS, FigureCache, scope_key
from crm.formatting import local_time
from crm.vocab import State
from tests.test_query_counts import count_queries

TTL = 60
URL = "/dashboard/?year=2026"


@pytest.fixture
def clock(app):
    """The cache on, empty, and on a clock the test moves (seconds)."""
    app.config["DASHBOARD_CACHE_SECONDS"] = TTL
    cache = figure_cache()
    cache.clear()
    kept_rankings.clear()  # module-wide, like the rendered tables: nothing kept from another test's world
    now = [1000.0]
    cache.clock = lambda: now[0]
    yield now
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    cache.clear()
    cache.clock = time.monotonic
    kept_rankings.clear()


def funnel_count(page: str, state: str) -> int:
    found = re.search(rf'data-state="{state}"><td>[^<]*</td><td class="text-end"><a href="[^"]*" class="drill" '
                      r'data-count="(\d+)"', page)  # fmt: skip
    assert found, state
    return int(found.group(1))


def region_rows(page: str) -> str:
    table = page[page.index('data-testid="breakdown-region"') :]
    return table[: table.index("</table>")]


def drop_e6(entries) -> None:
    """东昌府区's only target in the 已入库 stage leaves the funnel."""
    entries["E6"].state = State.DROPPED
    db.session.commit()


def test_figures_come_from_the_cache_within_the_ttl(world, login, clock):
    p, _teams, entries = world
    client = login(p["manager"])
    first = client.get(URL).data.decode()
    assert funnel_count(first, "whitelisted") == 1
    drop_e6(entries)
    clock[0] += TTL - 1
    with count_queries() as statements:
        again = client.get(URL).data.decode()
    assert funnel_count(again, "whitelisted") == 1  # the cached figures, computed before the change
    assert len(statements) < 15  # login, goals, navigation counts: no figure is read again
    stamp = re.search(r'data-testid="computed-at">([^<]+)<', first).group(1)
    assert stamp in again
    # The print view and the export use the same figures.
    assert funnel_count(client.get("/dashboard/print?year=2026").data.decode(), "whitelisted") == 1


def test_expired_figures_are_computed_again(world, login, clock):
    p, _teams, entries = world
    client = login(p["manager"])
    assert funnel_count(client.get(URL).data.decode(), "whitelisted") == 1
    drop_e6(entries)
    clock[0] += TTL
    assert funnel_count(client.get(URL).data.decode(), "whitelisted") == 0


def test_each_county_head_gets_their_own_county(world, login, clock):
    p, _teams, _e = world
    client = login(p["manager"])
    city = region_rows(client.get(URL).data.decode())
    assert "东昌府区" in city and "茌平区" in city
    for head, mine, other in (("head", "东昌府区", "茌平区"), ("other_head", "茌平区", "东昌府区")):
        rows = region_rows(login(p[head]).get(URL).data.decode())
        assert mine in rows and other not in rows, head
    # Served again from the cache, each still sees only their own county.
    rows = region_rows(login(p["head"]).get(URL).data.decode())
    assert "东昌府区" in rows and "茌平区" not in rows
    assert len(figure_cache()) == 3


def test_the_key_is_the_scope(world, make_user):
    p, _teams, _e = world
    same_county = make_user("county_head", "371502", username="head_a2")
    assert scope_key(p["manager"]) == "city"
    assert scope_key(p["head"]) == scope_key(same_county) != scope_key(p["other_head"])
    assert scope_key(p["member"]) is None and scope_key(p["lead"]) is None


def test_the_page_says_when_the_figures_were_computed(world, login, clock):
    p, _teams, _e = world
    page = login(p["manager"]).get(URL).data.decode()
    (computed,) = [entry.computed_at for entry in figure_cache()._entries.values()]
    # "数据更新于 10:42。" (whatever the catalogue says, with the time the figures were computed)
    assert _("Figures computed at %(time)s.", time=local_time(computed, "%H:%M")) in page
    assert 'data-testid="refresh"' in page and "refresh=1" in page


def test_without_the_cache_there_is_no_refresh_button(world, login):
    p, _teams, _e = world
    page = login(p["manager"]).get(URL).data.decode()
    assert 'data-testid="computed-at"' in page and 'data-testid="refresh"' not in page
    assert len(figure_cache()) == 0


def test_refresh_recomputes_but_not_more_than_every_few_seconds(world, login, clock):
    p, _teams, entries = world
    client = login(p["manager"])
    client.get(URL)
    drop_e6(entries)
    clock[0] += REFRESH_MIN_SECONDS - 1
    response = client.get(URL + "&refresh=1")
    assert response.status_code == 302 and "refresh" not in response.location
    page = client.get(response.location).data.decode()
    assert funnel_count(page, "whitelisted") == 1  # too soon: kept
    assert _("The figures were computed less than %(n)d seconds ago, so they are shown as they are.",
             n=REFRESH_MIN_SECONDS) in page  # fmt: skip
    clock[0] += 1
    client.get(URL + "&refresh=1")
    assert funnel_count(client.get(URL).data.decode(), "whitelisted") == 0


def test_goals_are_not_cached(world, login, clock):
    p, _teams, _e = world
    client = login(p["manager"])
    assert "5–8" in client.get(URL).data.decode()
    form = {"signings_low": "6", "signings_high": "9", "funds_yi": "600", "big_projects": "350",
            "manufacturing_pct": "62", "emerging_pct": "12", "chain_per_county": "1", "mega_baseline": "4",
            "version": "0"}  # fmt: skip
    assert client.post("/dashboard/goals?year=2026", data=form).status_code == 302
    assert "6–9" in client.get(URL).data.decode()


def test_one_computation_at_a_time_per_key():
    cache = FigureCache()
    calls = []
    started = threading.Event()

    def slow():
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return len(calls)

    results = []
    first = threading.Thread(target=lambda: results.append(cache.get("k", TTL, slow).value))
    first.start()
    started.wait()
    others = [
        threading.Thread(target=lambda: results.append(cache.get("k", TTL, slow).value)) for _ in range(3)
    ]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join()
    assert calls == [1] and results == [1, 1, 1, 1]


def test_the_cache_is_bounded_and_off_at_zero():
    cache = FigureCache(max_entries=2)
    for key in "abc":
        cache.get(key, TTL, lambda: 1)
    assert len(cache) == 2
    computed = []
    cache.get("z", 0, lambda: computed.append(1))
    cache.get("z", 0, lambda: computed.append(1))
    assert computed == [1, 1] and len(cache) == 2


@pytest.mark.parametrize(
    "args",
    [{}, {"phase": "targets", "region": 5}, {"milestone": "signed", "from": "2026-01-01", "to": "2026-12-31"},
     {"campaign": "none", "tag": -1}, {"q": "a b&c=d/é,中文"}, {"light": "red", "skip": None},
     {"flag": True, "n": 1, "x": 1.5, "y": "a+b%#[]"}, {"flag": 1}],
)  # fmt: skip
def test_drill_links_are_what_url_for_builds(app, args):
    with app.test_request_context("/dashboard/"):
        assert drill(args) == url_for("whitelist.index", **args)
        assert drill(args).endswith(
            urlencode({k: v for k, v in args.items() if v is not None}, safe="!$'()*,/:;?@")
        )


def test_rankings_and_breakdowns_are_rendered_once_per_set_of_figures(world, login, clock):
    """crm/dashboard/fragments.py: the page's largest tables are kept beside the figures they show."""
    fragments.clear()
    p, _teams, entries = world
    client = login(p["manager"])
    first = client.get(URL).data.decode()
    with count_queries() as statements:
        again = client.get(URL).data.decode()
    assert region_rows(again) == region_rows(first) and len(fragments._kept) == 1
    assert not [s for s in statements if "FROM settings" in s]  # the ranking formula came with the tables
    drop_e6(entries)
    clock[0] += TTL  # the figures expire: computed again, and their tables rendered again
    later = client.get(URL).data.decode()
    assert region_rows(later) != region_rows(first) and len(fragments._kept) == 2
    # A county head's figures are another scope: their own tables, never the city's.
    head_page = login(p["other_head"]).get(URL).data.decode()
    assert len(fragments._kept) == 3
    assert "茌平" in region_rows(head_page) and "东昌府" not in region_rows(head_page)
    fragments.clear()


def workbook_values(body: bytes) -> dict[str, list[tuple]]:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def kept_workbooks() -> int:
    return sum(1 for key in fragments._kept if key[0] == "workbook")


def test_the_export_is_built_once_per_set_of_figures(app, world, login, clock):
    """The Excel export's bytes are kept beside the figures like the tables: the same workbook while the figures
    hold, a new one when they change, and always what building it afresh gives."""
    fragments.clear()
    p, _teams, entries = world
    client = login(p["manager"])
    export = "/dashboard/export.xlsx?year=2026"
    first = client.get(export)
    assert first.status_code == 200 and kept_workbooks() == 1
    again = client.get(export)
    assert again.data == first.data and kept_workbooks() == 1  # the same bytes, not built again
    drop_e6(entries)
    clock[0] += TTL  # new figures: a new workbook
    later = client.get(export).data
    assert kept_workbooks() == 2 and workbook_values(later) != workbook_values(first.data)
    # What was kept is what a build without keeping gives.
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    try:
        fresh = client.get(export).data
    finally:
        app.config["DASHBOARD_CACHE_SECONDS"] = TTL
    assert workbook_values(fresh) == workbook_values(later)
    fragments.clear()


def test_a_changed_chain_sheet_builds_the_workbook_again(app):
    fragments.clear()
    built = []

    class Dash:
        year, today, computed_at = 2026, "2026-12-07", 1.0

    def build(tag):
        def make():
            built.append(tag)
            return tag.encode()

        return make

    with app.test_request_context("/"):
        assert fragments.workbook("city", Dash, (("产业链", 3),), build("a")) == b"a"
        assert fragments.workbook("city", Dash, (("产业链", 3),), build("b")) == b"a"
        assert fragments.workbook("city", Dash, (("产业链", 4),), build("c")) == b"c"
        assert fragments.workbook(None, Dash, (("产业链", 4),), build("d")) == b"d"  # not shared: every time
    assert built == ["a", "c", "d"]
    fragments.clear()


def tables_of(page: str) -> str:
    """The rankings page's two tables."""
    start = page.index('data-testid="ranking-teams"')
    return page[start : page.rindex("</table>")]


def test_the_rankings_page_is_computed_once_per_scope_and_week_within_the_ttl(world, login, clock):
    """crm.dashboard.rankings.kept_both: the week's ranking statement runs once per scope, week and TTL."""
    from crm.dashboard import rankings

    rankings._kept.clear()
    rankings._kept.clock = lambda: clock[0]
    try:
        p, teams, _entries = world
        client = login(p["manager"])
        url = "/dashboard/rankings?week=2026-11-18"
        first = tables_of(client.get(url).data.decode())
        with count_queries() as statements:
            again = tables_of(client.get(url).data.decode())
        assert again == first and not [s for s in statements if "contact_logs" in s]
        with count_queries() as statements:
            other_week = client.get("/dashboard/rankings?week=2026-11-09").data.decode()
        assert [s for s in statements if "contact_logs" in s] and "2026-11-09 至 2026-11-15" in other_week
        clock[0] += TTL  # expired: computed again
        with count_queries() as statements:
            later = tables_of(client.get(url).data.decode())
        assert [s for s in statements if "contact_logs" in s] and later == first
        # A county head's rankings are their own scope, never the city's.
        head_page = tables_of(login(p["other_head"]).get(url).data.decode())
        assert teams["A"].name in first and teams["A"].name not in head_page
    finally:
        rankings._kept.clear()
        rankings._kept.clock = time.monotonic
