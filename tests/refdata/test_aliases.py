"""Aliases: the bureau's words for counties, zones and categories, accepted by a real import, by the API and by the
whitelist search; unknown values answered with the closest valid ones; the aliases page and who may use it."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from crm.enterprises.models import Enterprise, EnterpriseCategory
from crm.extensions import db
from crm.refdata.aliases import ReferenceNames, UnknownReference, key, resolve_category, resolve_region
from crm.refdata.models import Alias, CategoryTag, Region
from crm.refdata.seed import REGION_ALIASES, TAG_ALIASES
from crm.whitelist.models import WhitelistEntry

# The issue's own words (issue 14) and their obvious kin → the region's name / the tag's code.
REGIONS = {
    "经开区": "聊城经济技术开发区", "高新区": "聊城高新技术产业开发区", "聊城市东昌府区": "东昌府区", "临清": "临清市",
    "临清市": "临清市", "东阿": "东阿县", "东阿县": "东阿县", "茌平": "茌平区", "茌平区": "茌平区", "茌平县": "茌平区",
    "阳谷": "阳谷县", "高唐": "高唐县", "聊城市莘县": "莘县", "冠县": "冠县", "东昌府": "东昌府区",
    "聊城市临清市": "临清市", "经济技术开发区": "聊城经济技术开发区", "经济开发区": "聊城经济技术开发区",
    "高新技术产业开发区": "聊城高新技术产业开发区", "度假区": "江北水城旅游度假区",
    "聊城经济技术开发区（东区）": "聊城经济技术开发区", "ＺＯＮＥ－ＨＴＺ": "聊城高新技术产业开发区",
    " 聊城市 东阿县 ": "东阿县", "山东省聊城市高唐县": "高唐县",
}  # fmt: skip
CATEGORIES = {
    "中国500强": "china_500", "民营500强": "private_500", "制造业500强": "manufacturing_500", "链主企业": "chain_leader",
    "独角兽企业": "unicorn", "瞪羚企业": "gazelle", "专精特新小巨人": "little_giant",
    "专精特新\"小巨人\"": "little_giant", "专精特新“小巨人”": "little_giant", "世界500强": "fortune_global_500",
    "服务业500强": "service_500", "central_soe": "central_soe", "雏鹰企业": "eaglet",
}  # fmt: skip
WORDS = ["青岚", "赤松", "白鹭", "金穗", "银杉", "墨竹", "丹霞", "紫岩", "碧波", "苍梧", "彤云", "翠微", "玄武",
         "朱雀", "琥珀", "玲珑", "沧澜", "星河", "鹿鸣", "云栖", "岱岳", "汇川", "鸿渐", "临风"]  # fmt: skip
INDUSTRIES = ["精密轴承", "光伏组件", "生物医药", "纺织印染", "铝材深加工", "汽车零部件"]


def name(i: int) -> str:
    return f"{WORDS[i]}{INDUSTRIES[i % len(INDUSTRIES)]}有限公司"


def xlsx(rows: list[list[str]], headers: tuple = ("企业名称*", "企业类别", "目标县(市、区)")) -> bytes:
    book = Workbook()
    book.active.append(list(headers))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes) -> str:
    response = client.post("/imports/", data={"kind": "proposals", "file": (io.BytesIO(data), "名单.xlsx")},
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302, response.data.decode()[:500]
    return response.headers["Location"]


def tag_id(code: str) -> int:
    return db.session.scalar(select(CategoryTag.id).where(CategoryTag.code == code))


def test_every_word_resolves_to_what_it_means(app):
    for text, expected in REGIONS.items():
        assert resolve_region(text).name == expected, text
    for text, expected in CATEGORIES.items():
        assert resolve_category(text).code == expected, text
    seeded = {code: spellings for code, spellings in REGION_ALIASES}
    for code, spellings in seeded.items():
        for spelling in spellings:
            assert resolve_region(spelling).code == code, spelling
    for code, spellings in TAG_ALIASES:
        for spelling in spellings:
            assert resolve_category(spelling).code == code, spelling


def test_an_unknown_value_names_the_closest_valid_ones(app):
    with pytest.raises(UnknownReference) as error:
        resolve_category("中国五百强")
    assert error.value.closest[0] == "中国企业500强"
    assert str(error.value).startswith("未知的类别“中国五百强”；最接近的是：中国企业500强、")
    with pytest.raises(UnknownReference) as error:
        resolve_region("临青市")
    assert error.value.closest[0] == "临清市" and "最接近的是：临清市" in str(error.value)
    for text in ("火星区", "济南市历下区", "", "371599"):
        assert ReferenceNames().find_region(text) is None, text
    assert ReferenceNames().find_category("火星500强") is None


def test_a_real_import_accepts_every_word(client, make_user, login):
    """A manager's file using every county and category spelling above: all rows created, each with the county
    and category the words mean."""
    manager = make_user("manager")
    login(manager)
    regions, categories = list(REGIONS.items()), list(CATEGORIES.items())
    rows = [[name(i), categories[i % len(categories)][0], regions[i][0]] for i in range(len(regions))]
    location = upload(client, xlsx(rows))
    page = client.get(location).data.decode()
    assert f'data-count-create="{len(rows)}"' in page and 'data-count-reject="0"' in page, page[-3000:]
    assert client.post(location, data={"confirm": "1"}).status_code == 302
    for i, (_text, region_name) in enumerate(regions):
        entry = db.session.scalar(select(WhitelistEntry).join(Enterprise).where(Enterprise.name == name(i)))
        assert entry.region.name == region_name, name(i)
        assert [c.tag.code for c in entry.enterprise.categories] == [categories[i % len(categories)][1]]


def test_an_import_names_the_closest_values_of_an_unknown_word(client, make_user, login):
    login(make_user("manager"))
    page = client.get(upload(client, xlsx([[name(0), "中国五百强", "临青市"]]))).data.decode()
    assert 'data-count-reject="1"' in page
    assert "未知的类别“中国五百强”；最接近的是：中国企业500强" in page
    assert "未知的县(市、区)或功能区“临青市”；最接近的是：临清市" in page


def test_the_api_filters_by_the_bureaus_words(app, api, make_user, make_entry):
    manager = make_user("manager")
    zone = db.session.scalar(select(Region).where(Region.code == "ZONE-ETDZ"))
    inside = make_entry(manager, region_code="ZONE-ETDZ", name="青岚精密轴承有限公司")
    make_entry(manager, region_code="371581", name="赤松光伏组件有限公司")
    caller = api(manager)
    by_id = caller.get(f"/api/v1/entries?region={zone.id}").get_json()
    assert [item["id"] for item in by_id["items"]] == [inside.id]
    for text in ("经开区", "经济技术开发区", "聊城经济技术开发区"):
        assert caller.get(f"/api/v1/entries?region={text}").get_json() == by_id, text
    linqing = caller.get("/api/v1/entries?region=临清").get_json()
    assert [item["enterprise"]["name"] for item in linqing["items"]] == ["赤松光伏组件有限公司"]
    for text in CATEGORIES:
        assert caller.get("/api/v1/entries", query_string={"tag": text}).status_code == 200, text
    assert caller.get("/api/v1/projects?region=高新区&tag=中国500强").status_code == 200
    refused = caller.get("/api/v1/entries?tag=中国五百强")
    assert refused.status_code == 422
    assert "最接近的是：中国企业500强" in refused.get_json()["error"]["message"]
    assert caller.get("/api/v1/projects?region=临青市").status_code == 422
    assert caller.get(f"/api/v1/entries?region={10**12}").status_code == 422


def test_the_search_finds_a_named_countys_and_categorys_targets(client, make_user, make_enterprise, make_entry,
                                                                login, now):  # fmt: skip
    manager = make_user("manager")
    zone = make_entry(manager, region_code="ZONE-ETDZ", name="青岚精密轴承有限公司")
    tagged = make_enterprise(manager, name="赤松光伏组件有限公司")
    tagged.categories.append(EnterpriseCategory(tag_id=tag_id("little_giant")))
    db.session.commit()
    giant = make_entry(manager, region_code="371502", enterprise=tagged)
    make_entry(manager, region_code="371502", name="白鹭纺织印染有限公司")
    login(manager)

    def found(q: str) -> set[str]:
        page = client.get("/whitelist/", query_string={"q": q}).data.decode()
        return {e for e in ("青岚", "赤松", "白鹭") if e in page}

    assert found("经开区") == {"青岚"} and found("聊城经济技术开发区") == {"青岚"}
    assert found("专精特新小巨人") == {"赤松"} and found("小巨人") == {"赤松"}
    assert found("白鹭") == {"白鹭"}  # a name still finds by name
    assert zone.id and giant.id


def test_admin_adds_and_deletes_an_alias_and_the_importer_follows(client, make_user, login):
    admin, manager = make_user("admin"), make_user("manager")
    login(admin)
    target = db.session.scalar(select(Region).where(Region.code == "371524"))
    response = client.post(
        "/admin/aliases/add", data={"kind": "region", "alias": "阿胶之乡", "target_id": target.id}
    )
    assert response.status_code == 302
    alias = db.session.scalar(select(Alias).where(Alias.alias == "阿胶之乡"))
    assert (alias.region_id, alias.key, alias.created_by_id) == (target.id, key("阿胶之乡"), admin.id)
    alias_id = alias.id
    assert resolve_region("阿胶之乡").name == "东阿县"
    page = client.get("/admin/aliases/").data.decode()
    assert "阿胶之乡" in page and "东阿县" in page
    # a spelling that already means something is refused and nothing is written
    again = client.post(
        "/admin/aliases/add", data={"kind": "region", "alias": "临清", "target_id": target.id}
    )
    assert again.status_code == 422 and "“临清”已指临清市" in again.data.decode()
    assert (
        db.session.scalar(select(Alias.id).where(Alias.alias == "临清", Alias.region_id == target.id)) is None
    )
    tag = client.post("/admin/aliases/add", data={"kind": "category", "alias": "国家级小巨人",
                                                  "target_id": tag_id("little_giant")})  # fmt: skip
    assert tag.status_code == 302 and resolve_category("国家级小巨人").code == "little_giant"

    login(manager)
    assert "阿胶之乡" in client.get("/admin/aliases/").data.decode()
    assert 'action="/admin/aliases/add"' not in client.get("/admin/aliases/").data.decode()
    assert client.post(f"/admin/aliases/{alias_id}/delete").status_code == 403
    assert client.post("/admin/aliases/add", data={"kind": "region", "alias": "x", "target_id": target.id}
                       ).status_code == 403  # fmt: skip

    login(admin)
    assert client.post(f"/admin/aliases/{alias_id}/delete").status_code == 302
    assert db.session.get(Alias, alias_id) is None
    with pytest.raises(UnknownReference):
        resolve_region("阿胶之乡")
    assert client.post(f"/admin/aliases/{alias_id}/delete").status_code == 404


@pytest.mark.parametrize("role", ["member", "lead", "county_head"])
def test_campaign_roles_cannot_see_the_aliases(client, make_user, login, role):
    login(make_user(role, "371502"))
    assert client.get("/admin/aliases/").status_code == 403
