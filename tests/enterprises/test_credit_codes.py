"""A credit code typed with a hyphen (19 characters) or in full-width characters is stored as its 18 ASCII
characters by the forms, is recognised later when typed clean, and is found by a search typed either way; a pair
sharing a code in two spellings (left so by the credit-code migration) is a merge candidate."""

from sqlalchemy import func, select, update

from crm.enterprises import merge as merging
from crm.enterprises.models import Enterprise
from crm.enterprises.services import find_duplicates
from crm.extensions import db
from crm.whitelist.models import WhitelistEntry
from tests.api.conftest import api, token_for  # noqa: F401  (the API caller fixture, reused)
from tests.conftest import region

CODE = "91340600MA2PBM9HXD"
HYPHENATED = "91340600-MA2PBM9HXD"  # 19 characters
FULL_WIDTH = "９１３４０６００ＭＡ２ＰＢＭ９ＨＸＤ"  # digits and letters full-width
OTHER = "914403001922038216"
OTHER_FULL_WIDTH = "９１４４０３００－１９２２０３８２１６"  # full-width, with a full-width hyphen


def propose_form(name: str, uscc: str, **extra) -> dict:
    return {"name": name, "uscc": uscc, "region_id": str(region("371502").id), "priority": "2", **extra}


def codes() -> list[str]:
    return sorted(db.session.scalars(select(Enterprise.uscc).where(Enterprise.uscc.is_not(None))))


def test_the_propose_form_stores_18_ascii_characters_and_knows_the_clean_code_again(client, make_user, login):
    login(make_user("member", "371502"))
    assert (
        client.post("/whitelist/propose", data=propose_form("鸿远示范新材料有限公司", HYPHENATED)).status_code
        == 302
    )
    assert (
        client.post(
            "/whitelist/propose", data=propose_form("华信示范电子有限公司", OTHER_FULL_WIDTH)
        ).status_code
        == 302
    )
    assert codes() == sorted([CODE, OTHER])
    assert all(len(c) == 18 and c.isascii() for c in codes())
    # A later proposal with the clean code is the same enterprise: it cannot become a second record.
    again = client.post("/whitelist/propose", data=propose_form("另一个名字有限公司", CODE, confirm_new="y"))
    page = again.data.decode()
    assert again.status_code == 200 and "鸿远示范新材料有限公司" in page and "统一社会信用代码相同" in page
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 2
    assert db.session.scalar(select(func.count()).select_from(WhitelistEntry)) == 2


def test_the_edit_form_stores_a_full_width_code_as_18_ascii_characters(
    client, make_user, make_enterprise, login
):
    lead = make_user("lead", "371502")
    enterprise = make_enterprise(lead, name="鸿远示范新材料有限公司")
    other = make_enterprise(lead, name="华信示范电子有限公司", uscc=OTHER)
    db.session.commit()
    login(lead)
    form = {
        "name": enterprise.name,
        "uscc": FULL_WIDTH,
        "version": enterprise.version,
        "ent_industry_id": "0",
    }
    response = client.post(f"/enterprises/{enterprise.id}/edit", data=form)
    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.uscc == CODE
    # The other record typed with the first one's code, hyphenated, is refused as a clash.
    clash = {"name": other.name, "uscc": HYPHENATED, "version": other.version, "ent_industry_id": "0"}
    page = client.post(f"/enterprises/{other.id}/edit", data=clash).data.decode()
    assert "已有其他企业使用该统一社会信用代码" in page
    db.session.refresh(other)
    assert other.uscc == OTHER


def test_search_finds_the_enterprise_by_the_code_typed_any_way(
    client,
    api,  # noqa: F811
    make_user,
    make_enterprise,
    make_entry,
    login,  # noqa: F811
):
    manager = make_user("manager")
    entry = make_entry(
        manager, "371502", enterprise=make_enterprise(manager, name="鸿远示范新材料有限公司", uscc=CODE)
    )
    db.session.commit()
    login(manager)
    for typed in (HYPHENATED, FULL_WIDTH, "９１３４０６００－ＭＡ", "91340600 ma2p"):
        assert (
            "鸿远示范新材料有限公司" in client.get("/enterprises/", query_string={"q": typed}).data.decode()
        ), typed
        listed = client.get("/whitelist/", query_string={"q": typed}).data.decode()
        assert f"/whitelist/{entry.id}" in listed, typed
        body = api(manager).get("/api/v1/enterprises", query_string={"q": typed}).get_json()
        assert [e["uscc"] for e in body["items"]] == [CODE], typed
    assert (
        "鸿远示范新材料有限公司" not in client.get("/enterprises/", query_string={"q": OTHER}).data.decode()
    )


def test_a_pair_sharing_a_code_in_two_spellings_is_a_merge_candidate_and_the_survivor_gets_the_clean_code(
    client, make_user, make_enterprise, login, now
):
    manager = make_user("manager")
    older = make_enterprise(manager, name="鸿远示范新材料有限公司", uscc=CODE)
    younger = make_enterprise(manager, name="完全不同的名字贸易公司")
    db.session.flush()
    # What the migration leaves when two records clean to the same code: the younger keeps the spelling it had.
    db.session.execute(update(Enterprise).where(Enterprise.id == younger.id).values(uscc=FULL_WIDTH))
    db.session.commit()
    assert [d.enterprise.id for d in find_duplicates(older.name, older.uscc, None, exclude_id=older.id)] == [
        younger.id
    ]
    assert [
        d.enterprise.id for d in find_duplicates(younger.name, FULL_WIDTH, None, exclude_id=younger.id)
    ] == [older.id]
    login(manager)
    page = client.get(f"/enterprises/{older.id}/merge").data.decode()
    assert "完全不同的名字贸易公司" in page and "统一社会信用代码相同" in page
    # The manager keeps the younger record: it takes the clean code the older one held.
    merging.merge(manager, younger, older, "同一家企业", None, None, now)
    db.session.refresh(younger)
    assert younger.uscc == CODE
