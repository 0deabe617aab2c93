"""crm/refdata/choices.py keeps the filter rows' choices a while: reused without a statement, forgotten when a
county, category or industry is written in this process, and read again once they expire."""

import pytest
from sqlalchemy import update

from crm.extensions import db
from crm.refdata import choices
from crm.refdata.models import CategoryTag, Industry
from tests.refdata.conftest import kept_for_a_minute
from tests.test_query_counts import count_queries


@pytest.fixture
def keeping(app, monkeypatch):
    with kept_for_a_minute(app, monkeypatch, choices._kept) as now:
        yield now


def test_choices_are_kept_and_forgotten_when_reference_data_changes(keeping):
    first = choices.tag_choices(blank="全部")
    with count_queries() as statements:
        assert choices.tag_choices(blank="全部") == first
        assert choices.tag_choices() == first[1:]  # the blank is the caller's
    assert statements == []
    tag = db.session.scalar(db.select(CategoryTag).order_by(CategoryTag.id).limit(1))
    original = tag.name
    tag.name = "世界500强（测试）"
    db.session.flush()  # an edit in this process
    assert (tag.id, "世界500强（测试）") in choices.tag_choices()
    tag.name = original
    db.session.commit()
    assert (tag.id, original) in choices.tag_choices()


def test_a_bulk_update_and_the_expiry_forget_them_too(keeping):
    industries = choices.industry_choices()
    leaf = next(i for i in db.session.scalars(db.select(Industry).where(Industry.parent_id.isnot(None))))
    db.session.execute(update(Industry).where(Industry.id == leaf.id).values(active=False))
    assert all(i != leaf.id for i, _label in choices.industry_choices())
    db.session.rollback()  # the write never happened: neither did the choices without it
    assert choices.industry_choices() == industries
    with count_queries() as statements:
        assert choices.industry_choices() == industries
    assert statements == []
    keeping[0] += 60  # expired: read again
    with count_queries() as statements:
        assert choices.industry_choices() == industries
    assert len(statements) == 1


def test_an_industry_path_comes_from_the_kept_names_and_follows_a_rename(keeping):
    leaf = next(i for i in db.session.scalars(db.select(Industry).where(Industry.parent_id.isnot(None))))
    parent = db.session.get(Industry, leaf.parent_id)
    assert choices.industry_path(leaf) == leaf.path == f"{parent.name} / {leaf.name}"
    assert choices.industry_path(parent) == parent.name and choices.industry_path(None) == "—"
    with count_queries() as statements:
        assert choices.industry_path(leaf) == f"{parent.name} / {leaf.name}"
    assert statements == []  # an entry's page no longer reads the parent industry
    original = parent.name
    parent.name = "先进制造业（调整）"
    db.session.flush()
    assert choices.industry_path(leaf) == f"先进制造业（调整） / {leaf.name}"
    db.session.rollback()
    assert choices.industry_path(leaf) == f"{original} / {leaf.name}"
    leaf.name = "风电装备（含海上风电）"  # its own name is the record's, never a kept copy
    assert choices.industry_path(leaf) == f"{original} / 风电装备（含海上风电）"
    db.session.rollback()
