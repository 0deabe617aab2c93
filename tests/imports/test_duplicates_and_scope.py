"""The import's duplicate check is the enterprise form's (crm.enterprises.duplicates), the per-row choices of the
preview reach the commit unchanged, and a county head's city-wide list imports only their county's rows."""

import re

import pytest
from sqlalchemy import select
from stdnum.cn import uscc as stdnum_uscc

from crm.enterprises.models import Enterprise
from crm.enterprises.services import find_duplicates
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports import services
from crm.imports.columns import auto_mapping
from crm.imports.models import ImportBatch, ImportItem
from crm.imports.reader import read_table
from crm.imports.rows import CREATE, DUPLICATE, OUTSIDE, REJECT, UPDATE
from crm.whitelist.models import WhitelistEntry
from tests.imports.test_import import HEADERS, count, upload, xlsx

GROUP_NOTE = "可能为同一集团的母子公司"


def code(region: str, serial: int) -> str:
    """A check-valid credit code: the first 17 characters made up, the 18th computed by python-stdnum."""
    base = f"91{region}MA{serial:06d}X"
    assert len(base) == 17
    return base + stdnum_uscc.calc_check_digit(base)


SINOPEC_GROUP, SINOPEC_LISTED = code("110000", 1), code("110000", 2)
HUAWEI, CATL, GREE = code("440300", 3), code("350900", 4), code("440400", 5)


def row(name: str, uscc: str = "", industry: str = "", region: str = "东昌府区") -> list[str]:
    return [name, uscc, industry, "", region, "", ""]


def dry(user, rows: list[list[str]], kind: str = "proposals") -> services.Plan:
    return services.dry_run(user, read_table("名单.xlsx", xlsx(rows)), auto_mapping(HEADERS), kind)


def by_number(plan: services.Plan) -> dict:
    return {r.number: r for r in plan.rows}


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


@pytest.fixture
def head(make_user, login):
    user = make_user("county_head", "371502", username="head_dup_t")
    return user, login(user)


@pytest.fixture
def on_file(head, make_enterprise):
    user, _client = head
    names = ("腾讯控股有限公司", "珠海格力电器股份有限公司", "杭州宇树科技股份有限公司")
    found = {name: make_enterprise(user, name=name) for name in names}
    db.session.commit()
    return {name: e.id for name, e in found.items()}


def test_duplicates_inside_one_file_are_caught(head):
    user, _client = head
    plan = dry(user, [row("华为技术有限公司", HUAWEI), row("宁德时代新能源科技股份有限公司", CATL),
                      row("中国石化"), row("华为"), row("宁德时代"), row("中国石化")])  # fmt: skip
    rows = by_number(plan)
    assert [rows[n].action for n in (2, 3, 4)] == [CREATE] * 3  # the first of each
    assert [rows[n].action for n in (5, 6, 7)] == [DUPLICATE] * 3
    # Each with the names' real similarity (issue 19): 华为 / 华为技术 2 × 2 / (2 + 4).
    assert "可能与第 2 行为同一企业（品牌名相同、名称相似度 67%）" in rows[5].notes[0]
    assert "可能与第 3 行为同一企业（名称相互包含、名称相似度" in rows[6].notes[0]
    assert rows[7].notes == ["与第 4 行名称相同。"]
    assert rows[5].choices == ["create", "skip"] and rows[5].default == "skip"


def test_names_the_form_catches_by_containment_are_caught(head, on_file):
    user, _client = head
    plan = dry(user, [row("腾讯"), row("格力电器", GREE), row("宇树科技")])
    for r, name in zip(plan.rows, on_file, strict=True):
        assert r.action == DUPLICATE, r.notes
        assert f"update:{on_file[name]}" in r.choices and f"“{name}”" in r.notes[0]
        # The one rule: what the import found on file is what the single enterprise form finds.
        form = {d.enterprise.id for d in find_duplicates(r.name, r.uscc_valid, None)}
        assert {m.key for m in r.matches if m.key > 0} == form == {on_file[name]}


def test_a_rejected_row_still_takes_part_in_the_check(head, on_file):
    user, _client = head
    plan = dry(user, [row("宁德时代新能源科技股份有限公司", CATL, industry="不存在的产业"), row("宁德时代"),
                      row("腾讯", industry="不存在的产业")])  # fmt: skip
    rejected, later, rejected_dup = plan.rows
    assert rejected.action == REJECT and later.action == DUPLICATE
    assert "可能与第 2 行为同一企业" in later.notes[0]  # fixing row 2 later reveals nothing new
    assert rejected_dup.action == REJECT and "腾讯控股有限公司" in rejected_dup.notes[0]


def test_a_group_and_its_listed_company_with_their_own_codes_are_not_duplicates(head, make_enterprise, now):
    user, client = head
    group = make_enterprise(user, name="中国石油化工集团有限公司", uscc=SINOPEC_GROUP)
    plan = dry(user, [row("中国石油化工股份有限公司", SINOPEC_LISTED)], kind="enterprises")
    listed = plan.rows[0]
    assert listed.action == CREATE and listed.default == "create"
    assert any("为同一集团的母子公司" in n for n in listed.notes)
    assert f"parent:{group.id}" in listed.choices
    # The enterprise form says the same through the shared rule.
    [form] = find_duplicates("中国石油化工股份有限公司", SINOPEC_LISTED, None)
    assert form.enterprise.id == group.id and form.kind == "group" and GROUP_NOTE in form.reasons
    # The same pair in one file is not flagged either; without codes the two names are one enterprise.
    pair = [
        row("中国石油化工集团有限公司", code("110000", 7)),
        row("中国石油化工股份有限公司", code("110000", 8)),
    ]
    both = dry(user, pair)
    assert [r.action for r in both.rows] == [CREATE, CREATE] and "集团的母子公司" in both.rows[1].notes[0]
    assert "parent_row:2" in both.rows[1].choices and "create" in both.rows[1].choices
    with pytest.raises(DomainError, match="须选择“新建企业”"):  # the group row is skipped: nothing to join
        services.commit(
            user, dry(user, pair, kind="enterprises"), "t.xlsx", now, decisions={2: "skip", 3: "parent_row:2"}
        )
    assert count(ImportBatch) == 0
    services.commit(user, dry(user, pair, kind="enterprises"), "t.xlsx", now, decisions={3: "parent_row:2"})
    in_file = {
        e.name: e
        for e in db.session.scalars(select(Enterprise).where(Enterprise.uscc.in_([pair[0][1], pair[1][1]])))
    }
    assert in_file["中国石油化工股份有限公司"].parent_id == in_file["中国石油化工集团有限公司"].id
    bare = dry(user, [row("中国石油化工股份有限公司")])
    assert bare.rows[0].action == DUPLICATE
    # Chosen in the preview: the listed company joins the group on file.
    location = upload(client, xlsx([row("中国石油化工股份有限公司", SINOPEC_LISTED)]), kind="enterprises")
    page = client.get(location.headers["Location"]).data.decode()
    assert "可能与系统中的“中国石油化工集团有限公司”为同一集团的母子公司" in page
    client.post(location.headers["Location"], data={"confirm": "1", "fingerprint": hidden(page, "fingerprint"),
                                                    "decision_2": f"parent:{group.id}"})  # fmt: skip
    created = db.session.scalar(select(Enterprise).where(Enterprise.uscc == SINOPEC_LISTED))
    assert created.parent_id == group.id


def test_each_row_is_written_as_chosen_and_matches_the_preview(head, on_file):
    user, client = head
    rows = [row("格力电器", GREE, industry="装备制造"), row("腾讯"), row("宇树科技"), row("华为技术有限公司", HUAWEI),
            row("华为")]  # fmt: skip
    location = upload(client, xlsx(rows)).headers["Location"]
    page = client.get(location).data.decode()
    assert 'data-count-duplicate="4"' in page and 'data-count-create="1"' in page
    assert page.count('data-testid="decision"') == 4
    gree, tencent = on_file["珠海格力电器股份有限公司"], on_file["腾讯控股有限公司"]
    chosen = {2: f"update:{gree}", 3: "create", 4: "skip", 6: "create"}
    response = client.post(location, data={"confirm": "1", "fingerprint": hidden(page, "fingerprint"),
                                           **{f"decision_{n}": v for n, v in chosen.items()}})  # fmt: skip
    assert response.status_code == 302
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.created_count, batch.updated_count, batch.skipped_count) == (3, 1, 1)
    items = {i.row_number: i for i in db.session.scalars(select(ImportItem))}
    assert {n: i.action for n, i in items.items()} == {2: "updated", 3: "created", 5: "created", 6: "created"}
    assert items[2].enterprise_id == gree and items[3].enterprise_id != tencent
    updated = db.session.get(Enterprise, gree)
    # The row's values fill the record; its short name does not replace the legal name on file.
    assert (
        updated.uscc == GREE
        and updated.industry.name == "装备制造"
        and updated.name == "珠海格力电器股份有限公司"
    )
    assert db.session.get(Enterprise, tencent).name == "腾讯控股有限公司"  # untouched: a new 腾讯 was created
    names = set(db.session.scalars(select(Enterprise.name)))
    assert {"腾讯", "华为技术有限公司", "华为"} <= names and "宇树科技" not in names
    entries = db.session.scalars(select(WhitelistEntry.enterprise_id)).all()
    # Each written row is proposed once.
    assert sorted(entries) == sorted(i.enterprise_id for i in items.values())


def test_a_county_heads_city_wide_file_imports_only_their_county(head, make_user, login):
    user, client = head
    rows = [row("聊城范围甲精密机械有限公司"), row("聊城范围乙新材料有限公司", region="茌平区"),
            row("聊城范围丙轴承有限公司", region="临清市", industry="不存在的产业"), row("聊城范围丁化工有限公司")]  # fmt: skip
    location = upload(client, xlsx(rows)).headers["Location"]
    page = client.get(location).data.decode()
    assert "本表有 2 行属于其他县（市、区），仅导入东昌府区的 2 行" in page
    assert 'data-count-outside="2"' in page and 'data-count-reject="0"' in page  # skipped, not errors
    assert "属于茌平区：跳过" in page and "属于临清市：跳过" in page and "仅导入东昌府区的 2 行" in page
    client.post(location, data={"confirm": "1", "fingerprint": hidden(page, "fingerprint")})
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.created_count, batch.skipped_count) == (2, 2)
    regions = db.session.scalars(select(WhitelistEntry).order_by(WhitelistEntry.id)).all()
    assert [e.region.name for e in regions] == ["东昌府区", "东昌府区"]
    elsewhere = upload(client, xlsx([row("聊城范围戊纺织有限公司", region="阳谷县")])).headers["Location"]
    assert "本表没有属于本县（市、区）的行" in client.get(elsewhere).data.decode()
    # A manager imports the whole city as before (the 临清市 row's unknown industry is then an error).
    manager = make_user("manager")
    plan = dry(manager, rows)
    assert [r.action for r in plan.rows] == [DUPLICATE, CREATE, REJECT, DUPLICATE]
    assert not any(r.action == OUTSIDE for r in plan.rows)


def test_a_file_changed_after_the_preview_is_refused(head, app):
    from crm.imports.views import _folder

    user, client = head
    catl = row("宁德时代新能源科技股份有限公司", CATL)
    location = upload(client, xlsx([catl, row("宁德时代")])).headers["Location"]
    page = client.get(location).data.decode()
    fingerprint = hidden(page, "fingerprint")
    token = location.rsplit("/", 1)[1]
    (_folder() / f"{token}.bin").write_bytes(xlsx([catl, row("比亚迪")]))
    sent = {"confirm": "1", "fingerprint": fingerprint, "decision_3": "create"}
    response = client.post(location, data=sent)
    assert response.status_code == 200 and "文件或与之匹配的企业已发生变化" in response.data.decode()
    assert count(Enterprise) == 0 and count(ImportBatch) == 0
    # A choice the row was not offered is refused too, and nothing is written.
    page = response.data.decode()
    response = client.post(location, data={"confirm": "1", "fingerprint": hidden(page, "fingerprint"),
                                           "decision_2": "update:999999"})  # fmt: skip
    assert "该行没有这个处理选项" in response.data.decode() and count(Enterprise) == 0


def test_a_credit_code_on_file_offers_update_or_skip(head, make_enterprise):
    user, _client = head
    existing = make_enterprise(user, name="宁德时代新能源科技股份有限公司", uscc=CATL)
    plan = dry(user, [row("宁德时代", CATL)], kind="enterprises")
    assert plan.rows[0].action == UPDATE and plan.rows[0].choices == [f"update:{existing.id}", "skip"]
