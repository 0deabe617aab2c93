"""A search by someone whose list is not the whole city reads its matches' ids once (crm.whitelist.queries:
_few_matches, PostgreSQL) and the page by those ids: the same total and the same pages, in every order, as the
count-then-page path a manager's search takes, and when the matches are more than FEW_MATCHES it falls back."""

from datetime import timedelta

import pytest
from flask_login import login_user, logout_user

from crm.extensions import db
from crm.whitelist import queries
from tests.test_query_counts import count_queries

NAMES = ["聊城轴承（一厂）有限公司", "山东轴承科技有限公司", "临清轴承集团有限公司", "ＡＢＣ轴承（中国）有限公司",
         "茌平精工轴承有限公司"]  # fmt: skip


@pytest.fixture
def searched(make_user, make_entry, now):
    """Five entries matching 轴承 (full-width letters and brackets among them) and two that do not, all proposed
    by one member, so that the member and a manager see the same ones; updated in a known order, with ties."""
    member, manager = make_user("member", "371502"), make_user("manager")
    minutes = [5, 30, 5, 10, 2027]
    for name, at, money in zip(NAMES, minutes, [300, None, 300, 50, 9000], strict=True):
        make_entry(member, name=name, at=now + timedelta(minutes=at), planned_investment=money)
    make_entry(member, name="无关机械有限公司", at=now + timedelta(hours=1))
    make_entry(member, name="聊城化工有限公司", at=now)
    db.session.commit()
    return member, manager


def listed(user, sort: str, page: int, per_page: int = 2) -> tuple[int | None, list[str]]:
    login_user(user)
    try:
        found = queries.list_page(user, queries.Filters(q="轴承", sort=sort), page, per_page)
        return found.total, [entry.enterprise.name for entry in found.items]
    finally:
        logout_user()


@pytest.mark.parametrize("sort", ["updated", "investment", "name", "priority"])
def test_a_members_search_pages_equal_the_count_then_page_path(app, searched, sort):
    member, manager = searched
    with app.test_request_context():
        pages = [listed(member, sort, page) for page in (1, 2, 3, 4)]
        assert pages == [listed(manager, sort, page) for page in (1, 2, 3, 4)]
    assert {total for total, _names in pages} == {5}
    shown = [name for _total, names in pages for name in names]
    assert sorted(shown) == sorted(NAMES) and pages[3][1] == []  # each match once, page 4 empty


def test_a_members_search_reads_ids_then_the_page_and_no_count(app, searched):
    member, _manager = searched
    with app.test_request_context(), count_queries() as statements:
        total, names = listed(member, "updated", 1)
    assert (total, names) == (5, ["茌平精工轴承有限公司", "山东轴承科技有限公司"])  # newest first
    counts = [s for s in statements if "count(*)" in s and "whitelist_entries" in s]
    if db.engine.dialect.name == "postgresql":
        assert counts == []  # the ids' length is the total
        ids = [s for s in statements if s.startswith("SELECT whitelist_entries.id \nFROM")]
        # the limit written in, so that a prepared statement's generic plan knows it (see _few_matches)
        assert len(ids) == 1 and f"LIMIT {queries.FEW_MATCHES + 1}" in ids[0], ids
    else:
        assert len(counts) == 1  # SQLite keeps counting: the ids path is PostgreSQL's


def test_more_matches_than_few_fall_back_to_counting(app, searched, monkeypatch):
    member, manager = searched
    monkeypatch.setattr(queries, "FEW_MATCHES", 3)
    with app.test_request_context():
        for sort in ("updated", "investment"):
            assert [listed(member, sort, p) for p in (1, 2, 3)] == [
                listed(manager, sort, p) for p in (1, 2, 3)
            ]
        assert listed(member, "updated", 1)[0] == 5
