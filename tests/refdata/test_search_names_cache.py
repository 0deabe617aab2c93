"""crm.refdata.aliases.search_terms keeps the names a search is compared with (counties, categories, aliases) per
process: a second search reads no statement; a county, category or alias written in this process shows at once,
and everything is read again once the time runs out."""

import pytest
from sqlalchemy import select, update

from crm.extensions import db
from crm.refdata import aliases
from crm.refdata.aliases import key, search_terms
from crm.refdata.models import Alias, CategoryTag, Region
from tests.refdata.conftest import kept_for_a_minute
from tests.test_query_counts import count_queries


@pytest.fixture
def keeping(app, monkeypatch):
    with kept_for_a_minute(app, monkeypatch, aliases._kept) as now:
        yield now


def test_a_second_search_reads_the_names_from_the_process(keeping):
    zone = db.session.scalar(select(Region).where(Region.name == "聊城经济技术开发区"))
    linqing = db.session.scalar(select(Region.id).where(Region.code == "371581"))
    assert search_terms("经开区")[0] == zone.id
    with count_queries() as statements:
        assert search_terms("经开区")[0] == zone.id
        assert search_terms("聊城市临清市")[0] == linqing
        assert search_terms("华夏") == (None, None)
    assert statements == []


def test_an_alias_or_a_renamed_category_written_here_shows_at_once(keeping):
    zone = db.session.scalar(select(Region).where(Region.name == "聊城经济技术开发区"))
    assert search_terms("开发区东片") == (None, None)
    db.session.add(Alias(kind="region", alias="开发区东片", key=key("开发区东片"), region_id=zone.id))
    db.session.flush()
    assert search_terms("开发区东片")[0] == zone.id
    tag = db.session.scalar(select(CategoryTag).order_by(CategoryTag.id).limit(1))
    db.session.execute(
        update(CategoryTag).where(CategoryTag.id == tag.id).values(name="省级专精特新（测试）")
    )
    assert search_terms("省级专精特新（测试）")[1] == tag.id
    db.session.rollback()  # neither write happened: nor do the names that had them
    assert search_terms("开发区东片") == (None, None)


def test_the_names_are_read_again_when_the_time_runs_out(keeping):
    search_terms("经开区")
    keeping[0] += 60
    with count_queries() as statements:
        search_terms("经开区")
    assert len(statements) == 1
