"""What the duplicate warning and an empty search say (issue 19): each match shows the names' real similarity (not
100% for every one), the credit code apart from the name, and a search that finds nothing in the user's scope says
that an enterprise matching it exactly is on file elsewhere, by name and county only."""

import re

import pytest
from rapidfuzz import fuzz

from crm.enterprises.duplicates import Record, similarity
from crm.enterprises.elsewhere import found_elsewhere
from crm.enterprises.services import find_duplicates
from crm.vocab import Role

CODE = "91340600MA2PBM9HXD"
HANXING = "瀚星轴承集团有限公司"  # normalised: 瀚星轴承
LANTUO = "澜拓新能源科技股份有限公司"  # normalised: 澜拓新能源科技
# What is typed → (the match on file, its similarity in per cent, what the names have in common)
TYPED = {
    "瀚星轴承股份有限公司": (HANXING, 100, "除企业组织形式外名称相同"),
    "瀚星轴承制造有限公司": (HANXING, 80, "名称相互包含"),  # 瀚星轴承 in 瀚星轴承制造: 2 × 4 / (4 + 6)
    "瀚星轴承精密制造有限公司": (HANXING, 67, "名称相互包含"),  # 2 × 4 / (4 + 8)
    "澜拓新能科技股份有限公司": (LANTUO, 92, "名称相似"),  # one character fewer than 澜拓新能源科技
}


@pytest.fixture
def member(make_user):
    return make_user("member", "371502")


def test_similarity_is_rapidfuzzs_ratio_of_the_normalised_names():
    a, b = Record.of(1, "瀚星轴承集团有限公司", None), Record.of(2, "瀚星轴承精密制造有限公司", None)
    assert similarity(a, b) == round(fuzz.ratio("瀚星轴承", "瀚星轴承精密制造")) == 67


@pytest.mark.parametrize("typed", TYPED)
def test_each_match_shows_the_real_similarity(member, make_enterprise, typed):
    make_enterprise(member, name=HANXING)
    make_enterprise(member, name=LANTUO)
    name, percent, reason = TYPED[typed]
    (dup,) = find_duplicates(typed, None, None)
    assert dup.enterprise.name == name and dup.similarity == percent
    assert reason in dup.reasons[0] and f"名称相似度 {percent}%" in dup.reasons


def test_the_warning_shows_each_score_and_the_code_apart_from_the_name(
    client, member, make_enterprise, login
):
    near = make_enterprise(member, name="鸿远示范新材料集团有限公司", uscc=CODE)  # the same name: 100
    far = make_enterprise(member, name="鸿远示范新材料科技研发有限公司")  # contains it: 2 × 7 / (7 + 11) = 78
    login(member)
    page = client.post(
        "/whitelist/propose",
        data={"name": "鸿远示范新材料有限公司", "uscc": "", "region_id": str(member.region_id),
              "planned_investment": "50000", "summary": "新材料", "priority": "1"},
    ).data.decode()  # fmt: skip
    items = re.findall(r'<li class="mb-2" data-testid="duplicate">(.*?)</li>', page, re.S)
    assert len(items) == 2, page[:3000]
    by_name = {name: next(item for item in items if f">{name}<" in item) for name in (near.name, far.name)}
    assert "名称相似度 100%" in by_name[near.name] and "名称相似度 78%" in by_name[far.name]
    # The code on a line of its own, labelled, never run into the name.
    assert re.search(rf'data-testid="duplicate-uscc">统一社会信用代码：{CODE}<', by_name[near.name])
    assert f"{near.name}{CODE}" not in re.sub(r"<[^>]+>|\s", "", by_name[near.name])


@pytest.fixture
def held_elsewhere(make_user, make_entry):
    """An enterprise proposed by 茌平区 (371503), with fields that must not be told to another county."""
    entry = make_entry(make_user("member", "371503"), name="鸿远示范新材料集团有限公司")
    entry.enterprise.uscc, entry.enterprise.hq = CODE, "茌平区信发街道某号"
    from crm.extensions import db

    db.session.commit()
    return entry


@pytest.mark.parametrize(
    "typed", [CODE, "9134-0600-MA2P-BM9H-XD", "鸿远示范新材料集团有限公司", "鸿远示范新材料"]
)
def test_an_exact_match_outside_the_scope_is_named_with_its_county(
    client, member, held_elsewhere, login, typed
):
    login(member)
    for path in ("/enterprises/", "/whitelist/"):
        page = client.get(path, query_string={"q": typed}).data.decode()
        notice = re.search(r'data-testid="found-elsewhere">(.*?)</div>', page, re.S)
        assert notice, path
        assert "鸿远示范新材料集团有限公司（茌平区）" in notice.group(1)
        assert f"/enterprises/{held_elsewhere.enterprise_id}" not in page
        assert f"/whitelist/{held_elsewhere.id}" not in page
        assert "信发街道" not in page
        if typed != CODE:
            assert CODE not in page


@pytest.mark.parametrize("typed", ["鸿远示范", "新材料", CODE[:10], "鸿远示范新材料集团有限公司X"])
def test_a_fragment_or_a_near_miss_tells_nothing(client, member, held_elsewhere, login, typed):
    login(member)
    for path in ("/enterprises/", "/whitelist/"):
        assert (
            'data-testid="found-elsewhere"' not in client.get(path, query_string={"q": typed}).data.decode()
        )


def test_only_when_nothing_in_scope_was_found_and_never_for_a_manager(
    client, make_user, member, held_elsewhere, make_entry, login
):
    mine = make_entry(member, name="鸿远示范新材料集团股份有限公司")  # the same normalised name, in scope
    login(member)
    page = client.get("/enterprises/", query_string={"q": "鸿远示范新材料"}).data.decode()
    assert f"/enterprises/{mine.enterprise_id}" in page and 'data-testid="found-elsewhere"' not in page
    manager = make_user("manager")
    assert found_elsewhere(manager, CODE) == [] and manager.role == Role.MANAGER
    assert [e.name for e in found_elsewhere(make_user("county_head", "371502"), CODE)] == [
        "鸿远示范新材料集团有限公司"
    ]
    assert found_elsewhere(make_user("county_head", "371503"), CODE) == []  # their own county's: in scope
