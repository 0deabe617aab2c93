"""crm/list_counts.py: a long list's total is kept a few seconds, a short one counted every time, and a write in
the process shows at once."""

import re

import pytest

from crm import list_counts
from tests.test_query_counts import count_queries

COUNT = re.compile(r"SELECT count\(\*\) AS count_1\s+FROM whitelist_entries")


@pytest.fixture
def keeping(app, monkeypatch):
    """Totals of 3 rows or more kept 20 s, on a clock the test moves."""
    monkeypatch.setitem(app.config, "LIST_COUNT_SECONDS", 20)
    monkeypatch.setitem(app.config, "LIST_COUNT_KEEP_FROM", 3)
    now = [1000.0]
    monkeypatch.setattr(list_counts, "_clock", lambda: now[0])
    list_counts.forget()
    yield now
    list_counts.forget()


def total(client, url: str = "/whitelist/") -> tuple[int, int]:
    """The total the page shows, and how many times it counted the entries to show it."""
    with count_queries() as statements:
        page = client.get(url).data.decode()
    shown = int(re.search(r'data-testid="result-count" data-total="(\d+)"', page).group(1))
    return shown, sum(1 for s in statements if COUNT.search(s))


def test_a_long_total_is_kept_until_it_expires_or_something_is_written(
    client, login, make_user, make_entry, keeping
):
    manager, proposer = make_user("manager"), make_user("member", "371502")
    for i in range(3):
        make_entry(proposer, name=f"聊城保留计数测试{i}有限公司")
    login(manager)
    assert total(client) == (3, 1)
    assert total(client) == (3, 0)  # kept: no count statement
    assert total(client, "/whitelist/?page=2") == (3, 0)  # another page of the same list: the same total
    make_entry(proposer, name="聊城保留计数测试（二期）有限公司")  # a write in this process
    assert total(client) == (4, 1)
    assert total(client) == (4, 0)
    keeping[0] += 20  # expired
    assert total(client) == (4, 1)


def test_short_totals_and_other_lists_are_counted_every_time(client, login, make_user, make_entry, keeping):
    manager, proposer = make_user("manager"), make_user("member", "371502")
    for i in range(3):
        make_entry(proposer, name=f"聊城计数测试{i}有限公司")
    make_entry(make_user("member", "371503"), region_code="371503", name="茌平计数测试有限公司")
    login(manager)
    assert total(client, "/whitelist/?q=茌平计数") == (1, 1)
    assert total(client, "/whitelist/?q=茌平计数") == (1, 1)  # under 3 rows: counted again
    assert total(client) == (4, 1)
    assert total(client, "/whitelist/?q=聊城计数") == (3, 1)  # another filter: its own total
    assert total(client, "/whitelist/?q=聊城计数") == (3, 0)


def test_a_total_is_kept_per_user(client, login, make_user, make_entry, keeping):
    """Two county heads never share a total (their scopes differ), nor a manager and a head."""
    proposer = make_user("member", "371502")
    for i in range(3):
        make_entry(proposer, name=f"东昌府计数测试{i}有限公司")
    login(make_user("manager"))
    assert total(client) == (3, 1)
    login(make_user("county_head", "371503"))
    assert total(client) == (0, 1)
