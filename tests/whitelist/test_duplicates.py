"""Duplicate warnings (same USCC, same group, similar name) and cross-county conflicts (首报首谈)."""

from datetime import timedelta

import pytest

from crm.enterprises.services import EnterpriseData, find_duplicates
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.settings import set_setting
from crm.whitelist import services as wf

USCC = "91340600MA2PBM9HXD"


@pytest.fixture
def member(make_user):
    return make_user("member", "371502")


@pytest.fixture
def other_member(make_user):
    return make_user("member", "371503")


def test_same_uscc_is_found(member, make_enterprise):
    existing = make_enterprise(member, name="甲乙丙有限公司", uscc=USCC)
    dups = find_duplicates("完全不同的名字", USCC, None)
    assert [d.enterprise.id for d in dups] == [existing.id]
    assert "统一社会信用代码" in dups[0].reasons[0]


def test_same_uscc_cannot_be_created_twice(member, make_enterprise):
    make_enterprise(member, name="甲乙丙有限公司", uscc=USCC)
    with pytest.raises(DomainError):
        make_enterprise(member, name="另一个名字有限公司", uscc=USCC)


def test_similar_normalised_name_is_found(member, make_enterprise):
    existing = make_enterprise(member, name="瀚星轴承集团有限公司")
    unrelated = make_enterprise(member, name="青岚生物制造有限公司")
    found = {d.enterprise.id: d for d in find_duplicates("瀚星轴承股份有限公司", None, None)}
    assert existing.id in found and unrelated.id not in found
    assert found[existing.id].score == 100


def test_name_below_threshold_is_not_found(member, make_enterprise):
    make_enterprise(member, name="瀚星轴承集团有限公司")
    assert find_duplicates("北辰氢能动力科技有限公司", None, None) == []


def test_same_group_is_found(member, make_enterprise):
    parent = make_enterprise(member, name="中寰重工集团有限公司")
    sibling = make_enterprise(member, name="中寰重工(山东)装备有限公司", parent_id=parent.id)
    ids = {d.enterprise.id for d in find_duplicates("完全不同的新子公司", None, parent.id)}
    assert {parent.id, sibling.id} <= ids


def test_same_county_duplicate_is_refused(member, make_entry):
    entry = make_entry(member)
    with pytest.raises(DomainError, match=f"{entry.id}"):
        make_entry(member, enterprise=entry.enterprise)


def test_dropped_entry_does_not_block_a_new_proposal(member, make_user, make_entry, now):
    manager = make_user("manager")
    entry = make_entry(member)
    wf.drop(manager, entry, "重复", now)
    again = make_entry(member, enterprise=entry.enterprise)
    assert again.state == "proposed" and not again.conflict


def test_other_county_claim_is_flagged_as_conflict_with_protection(member, other_member, make_entry, now):
    first = make_entry(member, at=now)
    second = make_entry(other_member, enterprise=first.enterprise, at=now + timedelta(days=10))
    assert second.conflict is True
    assert "东昌府区" in second.conflict_note
    assert "保护期" in second.conflict_note and "2026-08-29" in second.conflict_note  # 180 days after 03-02
    assert first.conflict is False


def test_conflict_reaches_the_group(member, other_member, make_enterprise, make_entry, now):
    parent = make_enterprise(member, name="中寰重工集团有限公司")
    child = make_enterprise(other_member, name="中寰重工(山东)装备有限公司", parent_id=parent.id)
    make_entry(member, enterprise=parent)
    entry = make_entry(other_member, enterprise=child)
    assert entry.conflict and "中寰重工集团有限公司" in entry.conflict_note


def test_expired_protection_is_stated(member, other_member, make_entry, now):
    set_setting("first_claim_days", "30")
    db.session.commit()
    first = make_entry(member, at=now)
    second = make_entry(other_member, enterprise=first.enterprise, at=now + timedelta(days=45))
    assert second.conflict and "已过" in second.conflict_note


def test_conflicted_proposal_needs_a_reason_from_the_manager(
    member, other_member, make_user, make_entry, now
):
    manager = make_user("manager")
    first = make_entry(member)
    second = make_entry(other_member, enterprise=first.enterprise)
    with pytest.raises(DomainError):
        wf.approve(manager, second, now)
    wf.approve(manager, second, now, reason="市局裁定由茌平区承接")
    assert second.state == "whitelisted"


def test_enterprise_data_is_normalised_on_save(member, make_enterprise):
    ent = make_enterprise(member, name="ABC（中国）投资有限公司")
    assert (ent.name_norm, ent.name_initials) == ("abc投资", "abczgtzyxgs")
    assert isinstance(EnterpriseData(name="x").categories, list)


@pytest.mark.parametrize(
    "stored, typed, searched",
    [
        (
            "深圳市雲啟科技有限公司",
            "深圳市云启科技有限公司",
            "云启科技",
        ),  # Traditional on file, Simplified typed
        (
            "中寰重工(山东)有限公司",
            "中寰重工（山東）股份有限公司",
            "中寰重工（山東）",
        ),  # brackets, Traditional
        (
            "ＡＢＣ精密　（聊城）有限公司",
            "abc精密(聊城)有限公司",
            "abc精密 (聊城)",
        ),  # full-width, a U+3000 space
    ],
)
def test_duplicates_share_the_search_normal_form(member, make_enterprise, stored, typed, searched):
    """Issue 19: the duplicate check and the search box compare one normal form (crm.enterprises.names.fold),
    stored on the enterprise: what the search finds as the same name, the check warns about."""
    from sqlalchemy import select

    from crm.enterprises.models import Enterprise
    from crm.enterprises.names import fold, normalise_name
    from crm.enterprises.search import enterprise_search

    existing = make_enterprise(member, name=stored)
    assert existing.name_norm == normalise_name(typed)  # the key stored is the key of what is typed
    found = {d.enterprise.id: d for d in find_duplicates(typed, None, None)}
    assert existing.id in found and found[existing.id].score == 100
    assert db.session.scalars(select(Enterprise.id).where(enterprise_search(searched))).all() == [existing.id]
    assert existing.name_key == fold(typed).replace("股份", "")  # one key, as stored


def test_the_conflict_queue_says_why_each_claim_conflicts(
    member, other_member, make_user, make_enterprise, make_entry, client, login
):
    """Issue 19: the city's queue names the reason on each row: a shared group parent, or the same enterprise."""
    parent = make_enterprise(member, name="中寰重工集团有限公司")
    child = make_enterprise(other_member, name="中寰重工(山东)装备有限公司", parent_id=parent.id)
    make_entry(member, enterprise=parent)
    entry = make_entry(other_member, enterprise=child)
    twin = make_entry(member, name="青岚生物制造有限公司")
    make_entry(other_member, enterprise=twin.enterprise)
    assert entry.conflict
    login(make_user("manager"))
    page = client.get("/whitelist/conflicts").get_data(as_text=True)
    assert "冲突原因：同属一个集团：中寰重工集团有限公司" in page
    assert "冲突原因：同一企业" in page
    assert page.count('data-testid="conflict-reason"') == 2
