"""Browser journeys through the manager dashboard: a manager on a desktop, a county head on a tablet, the A4 print
view (and its PDF) and the Excel export, against the live app with the demo data loaded.

The demo data is seeded for the fixed test date while the app runs on the real clock, so on top of it the test
signs a few projects of its own in the real current year, through the app's services (two counties, different
industries and campaigns, with contract amounts and funds), and never assumes a figure: every number read on the
dashboard is checked against the list its link opens. Selectors rely on data-testid, data-* attributes and hrefs;
visible-text checks use only county names from the reference data.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Locator, Page, expect  # noqa: E402

from crm.vocab import PIPELINE, State  # noqa: E402
from tests.e2e.dashboard_world import CHARTS, CP, DCF, DCF_NAME, SIGNINGS, signed_this_year, wait_for_charts  # noqa: E402,F401
from tests.e2e.pages import (  # noqa: E402
    DESKTOP,
    TABLET,
    console_errors,
    list_total,
    log_in,
    no_horizontal_scroll,
)

DRILL_KEYS = {
    "phase",
    "milestone",
    "min_investment",
    "flag",
    "chain",
    "reached",
    "escalated",
    "counted",
    "funds",
}
LISTS = (
    "/whitelist/",
    "/projects/",
)  # figures that count targets open the first, those that count projects the other


def number(link: Locator) -> int:
    text = link.inner_text().strip()
    assert re.fullmatch(r"\d+", text), f"not a whole number: {text!r}"
    return int(text)


def drill_args(link: Locator) -> dict[str, str]:
    href = link.get_attribute("href")
    assert href and urlsplit(href).path in LISTS, f"a drill link to neither list: {href!r}"
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def follow(page: Page, link: Locator) -> int:
    """Click a dashboard number and return the total of the list it opens (then come back)."""
    href = link.get_attribute("href")
    args = drill_args(link)
    link.click()
    expect(page).to_have_url(re.compile(r"/(whitelist|projects)/\?"))
    assert page.url.endswith(href), f"{page.url} is not the link's {href}"
    total = list_total(page)
    if DRILL_KEYS & args.keys():  # conditions the list's own filters lack are named in a banner
        expect(page.get_by_test_id("drill")).to_be_visible()
    return total


def check_drill(page: Page, link: Locator) -> int:
    """The number on `link` equals the total of the list behind it; returns it."""
    value = number(link)
    back = page.url
    assert follow(page, link) == value, f"{link} shows {value}, its list {page.url} another total"
    page.goto(back)
    return value


# --- journeys --------------------------------------------------------------------------------------------------


def test_manager_reads_the_dashboard_and_every_number_opens_its_list(
    live_server,
    signed_this_year,  # noqa: F811
    new_page,
    demo_password,
    screenshot_dir,
):
    page = new_page(**DESKTOP)
    errors = console_errors(page)
    log_in(page, "manager", demo_password)
    page.goto("/dashboard/")
    wait_for_charts(page)
    assert not errors, f"console errors on the dashboard: {errors}"
    assert no_horizontal_scroll(page), "the dashboard scrolls sideways at 1366 px"
    page.screenshot(path=screenshot_dir / "dashboard-manager.png", full_page=True)

    # Every goal row is there; the test's own duobiao signings are counted in the first.
    goals = page.get_by_test_id("goals")
    for key in ("signings", "funds", "big", "manufacturing", "emerging", "chain", "mega"):
        expect(goals.locator(f'tr[data-goal="{key}"]')).to_have_count(1)
    signings = goals.locator('tr[data-goal="signings"] a.drill')
    assert drill_args(signings)["campaign"] == "duobiao"
    ours = sum(1 for s in SIGNINGS if s[3] == "duobiao" and s[10] != State.NEGOTIATING)
    assert check_drill(page, signings) >= ours
    big = goals.locator('tr[data-goal="big"] a.drill')
    assert check_drill(page, big) >= 1  # the test's 15-亿 project landed this year
    expect(page.get_by_test_id("rates").locator("a.drill")).not_to_have_count(0)
    expect(page.get_by_test_id("light-red").or_(page.get_by_test_id("light-yellow"))).not_to_have_count(0)
    # The rankings: the test's teams worked in the week they show (when it is this year's).
    for key in ("teams", "counties"):
        indexes = page.get_by_test_id(f"ranking-{key}").locator("tbody tr[data-rank] td:last-child")
        expect(indexes).not_to_have_count(0)
        if signed_this_year:
            assert max(float(t) for t in indexes.all_inner_texts()) > 0, f"no activity in the {key} ranking"

    # A funnel count (the table sits in a <details>): 已签约 holds the test's two unlanded signings' projects at
    # least; the stages before it count targets.
    page.locator("details:has([data-testid=funnel]) > summary").click()
    funnel = page.get_by_test_id("funnel")
    expect(funnel.locator("tr[data-state]")).to_have_count(len(PIPELINE))
    signed_link = funnel.locator(f'tr[data-state="{State.SIGNED}"] a.drill')
    assert drill_args(signed_link) == {"state": State.SIGNED}
    assert check_drill(page, signed_link) >= 2
    page.locator("details:has([data-testid=funnel]) > summary").click()
    assert (
        check_drill(
            page, page.get_by_test_id("funnel").locator(f'tr[data-state="{State.NEGOTIATING}"] a.drill')
        )
        >= 1
    )

    # A breakdown cell: the industry tab, 五大优势产业 (装备制造's group), signed this year.
    page.locator('button[data-bs-target="#bd-industry"]').click()
    industry = page.get_by_test_id("breakdown-industry")
    expect(industry).to_be_visible()
    row = industry.locator("tbody tr").filter(has_text="五大优势产业")
    expect(row).to_have_count(1)
    cell = row.locator("td").nth(4).locator("a.drill")
    assert drill_args(cell)["milestone"] == "signed"
    assert check_drill(page, cell) >= 1
    # And the campaign tab's targets for 夺标争先.
    page.locator('button[data-bs-target="#bd-campaign"]').click()
    campaign_row = page.get_by_test_id("breakdown-campaign").locator("tbody tr").filter(has_text="夺标争先")
    check_drill(page, campaign_row.locator("td").nth(1).locator("a.drill"))

    # Every county is in the county breakdown; the bar of 东昌府区 in the county chart opens its signed list.
    region_rows = page.get_by_test_id("breakdown-region").locator("tbody tr")
    expect(region_rows.filter(has_text=DCF_NAME)).to_have_count(1)
    wait_for_charts(page, ("region",))
    value, url = page.evaluate(
        """name => { const data = JSON.parse(document.getElementById('dashboard-data').textContent).region;
                     const i = data.labels.indexOf(name); return [data.series[1].data[i], data.series[1].urls[i]]; }""",
        DCF_NAME,
    )
    assert value >= 2
    chart = page.locator("div.chart[data-chart=region]")
    chart.scroll_into_view_if_needed()
    bar = page.evaluate(
        """name => { const c = echarts.getInstanceByDom(document.querySelector('div.chart[data-chart=region]'));
                     const data = c.getModel().getSeriesByIndex(1).getData();
                     return data.getItemLayout(data.indexOfName(name)); }""",
        DCF_NAME,
    )
    box = chart.bounding_box()  # the bar's middle, in the page's viewport
    page.mouse.click(box["x"] + bar["x"] + bar["width"] / 2, box["y"] + bar["y"] + bar["height"] / 2)
    expect(page).to_have_url(re.compile(r"/projects/\?"))  # the bar counts projects signed, where they land
    assert page.url.endswith(url)
    assert list_total(page) == value
    assert not errors, f"console errors: {errors}"


def test_county_head_sees_only_their_county_on_a_tablet(
    live_server,
    signed_this_year,  # noqa: F811
    new_page,
    demo_password,
    screenshot_dir,
):
    page = new_page(**TABLET)
    errors = console_errors(page)
    log_in(page, "head_dcf", demo_password)
    page.goto("/dashboard/")
    wait_for_charts(page)
    assert not errors, f"console errors on the dashboard: {errors}"

    # One county only: the breakdown, the chart's categories, the chain badges.
    rows = page.get_by_test_id("breakdown-region").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td").first).to_have_text(DCF_NAME)
    labels = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent).region.labels")
    assert labels == [DCF_NAME]
    expect(page.get_by_test_id("chain").locator("li")).to_have_count(1)
    expect(page.get_by_test_id("chain")).to_contain_text(DCF_NAME)
    ranking = page.get_by_test_id("ranking-counties").locator("tbody tr[data-rank]")
    for name in ranking.locator("td:nth-child(2)").all_inner_texts():
        assert name.strip() == DCF_NAME, f"another county in the head's ranking: {name}"
    assert no_horizontal_scroll(page), "the dashboard scrolls sideways on a 1024-px tablet"
    page.screenshot(path=screenshot_dir / "dashboard-county-head.png", full_page=True)

    # The county's targets: the list's total matches, and every row is in 东昌府区.
    targets = rows.locator("td").nth(1).locator("a.drill")
    value = number(targets)
    assert value >= 2
    assert follow(page, targets) == value
    # The county column is the one just before the state badge's (a checkbox column may come first).
    table = page.get_by_test_id("whitelist-table")
    counties = table.locator("tbody td:has(+ td [data-testid=state])")
    expect(counties).to_have_count(table.locator("tbody tr").count())
    expect(counties).not_to_have_count(0)
    assert set(t.strip() for t in counties.all_inner_texts()) == {DCF_NAME}
    # The head's signed-this-year figure counts only the county's own signings.
    page.go_back()
    signed = page.get_by_test_id("breakdown-region").locator("tbody tr td").nth(4).locator("a.drill")
    assert check_drill(page, signed) >= 2
    assert not errors, f"console errors: {errors}"

    # Other roles are kept out.
    other = new_page(**TABLET)
    log_in(other, "member1", demo_password)
    response = other.goto("/dashboard/")
    assert response is not None and response.status == 403
