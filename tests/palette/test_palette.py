# ruff: noqa: F811  (the campaign fixture is imported and taken as an argument)
"""The command palette's search: scoped results only (records through crm/scope.py, pages by the roles their
views admit), matched by name, pinyin initials and credit code, a few of each kind, in a fixed number of
statements."""

import pytest

from crm.palette import services
from crm.palette.pages import PAGES
from crm.teams import assignment
from tests.teams.conftest import campaign  # noqa: F401
from tests.test_query_counts import count_queries


def urls(client, q: str) -> list[str]:
    response = client.get("/palette/search", query_string={"q": q})
    assert response.status_code == 200 and response.is_json
    assert response.headers["Cache-Control"] == "private, no-store"
    return [hit["url"] for hit in response.get_json()["results"]]


def test_a_member_finds_their_targets_by_pinyin_initials_and_never_another_countys(
    client,
    login,
    campaign,
    now,  # noqa: F811
):
    p, teams, whitelisted = campaign
    ours = whitelisted("聊城华夏钢铁有限公司")
    theirs = whitelisted("茌平华夏铝业有限公司", code="371503")
    assignment.assign(p["lead"], ours, teams["A"], p["member"], now)
    assignment.assign(p["other_lead"], theirs, teams["C"], p["other_member"], now)
    login(p["member"])
    found = urls(client, "hxgt")  # 华夏钢铁's initials, in the middle of lchxgtyxgs
    assert f"/whitelist/{ours.id}" in found and f"/enterprises/{ours.enterprise_id}" in found
    everything = urls(client, "华夏")
    assert f"/whitelist/{theirs.id}" not in everything
    assert f"/enterprises/{theirs.enterprise_id}" not in everything
    assert f"/teams/{teams['C'].id}" not in urls(client, "茌平")
    assert f"/teams/{teams['A'].id}" in urls(client, "装备")
    login(p["manager"])
    assert f"/whitelist/{theirs.id}" in urls(client, "hxly")


def test_a_credit_code_finds_the_enterprise(client, login, campaign, make_enterprise):  # noqa: F811
    p, _teams, whitelisted = campaign
    entry = whitelisted("聊城示例轴承有限公司")
    entry.enterprise.uscc = "91371500MA3C4D5E6F"
    from crm.extensions import db

    db.session.commit()
    login(p["head"])
    assert f"/enterprises/{entry.enterprise_id}" in urls(client, "91371500MA3C")


@pytest.mark.parametrize("role", ["member", "lead", "head", "manager", "admin"])
def test_every_page_offered_opens_for_the_role_and_admin_pages_only_for_the_administrator(
    client,
    login,
    campaign,
    make_user,
    role,  # noqa: F811
):
    p, _teams, _w = campaign
    user = make_user("admin") if role == "admin" else p[role]
    login(user)
    offered = [hit for hit in client.get("/palette/search?q=").get_json()["results"] if hit["kind"] == "page"]
    assert offered
    every = []
    for page in PAGES:  # all of them, not only the first few the empty search shows
        every += [h["url"] for h in client.get("/palette/search", query_string={"q": str(page.label)}).get_json()[
            "results"] if h["kind"] == "page"]  # fmt: skip
    for url in set(every):
        status = client.get(url).status_code
        assert status == 200 or (url == "/" and status == 302), (
            role,
            url,
        )  # the administrator's home redirects
    admin_pages = {"/admin/", "/admin/settings", "/plans/holidays", "/reminders/outbox"}
    assert bool(admin_pages & set(every)) == (role == "admin")
    if role == "admin":
        assert not [h for h in client.get("/palette/search?q=华").get_json()["results"] if h["kind"] in (
            "entry", "enterprise")]  # fmt: skip


def test_pages_match_their_chinese_name_and_its_initials(client, login, campaign):  # noqa: F811
    p, _teams, _w = campaign
    login(p["member"])
    assert "/whitelist/" in urls(client, "白名单") and "/whitelist/" in urls(client, "bmd")
    assert "/dashboard/" not in urls(client, "看板")  # a member has no dashboard


def test_results_are_few_and_statements_fixed(client, login, campaign, now):  # noqa: F811
    p, teams, whitelisted = campaign
    login(p["lead"])

    def add(start: int, count: int) -> None:
        for i in range(start, start + count):
            entry = whitelisted(f"聊城测试{i:02d}号企业有限公司")
            assignment.assign(p["lead"], entry, teams["B"], p["lead"], now)

    add(0, 2)
    with count_queries() as few:
        assert len(urls(client, "测试")) == 4
    add(2, 12)
    with count_queries() as many:
        results = urls(client, "测试")
    assert len(results) == 2 * services.PER_KIND
    assert len(many) == len(few) <= 6, many
