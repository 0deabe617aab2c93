"""Spreadsheet import: real .xlsx files made by openpyxl and a GBK CSV, the dry run, the all-or-nothing commit, the
revert, and broken files."""

import io
import random

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from crm.demo import fictional_uscc
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.imports import services
from crm.imports.columns import COLUMNS, auto_mapping
from crm.imports.models import ImportBatch, ImportItem
from crm.imports.reader import read_table
from crm.vocab import State
from crm.whitelist import services as wf
from crm.whitelist.models import Event, WhitelistEntry

HEADERS = [
    "企业名称*",
    "统一社会信用代码",
    "所属产业",
    "企业类别",
    "目标县(市、区)",
    "攻坚行动",
    "计划总投资(万元)",
]
RNG = random.Random(7)
USCC = [fictional_uscc(RNG, "371502") for _ in range(5)]


def xlsx(rows, headers=HEADERS, tweak=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if tweak:
        tweak(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ["导入测试甲精密机械有限公司", USCC[0], "装备制造", "世界500强、央企", "东昌府区", "夺标争先", "50000"],
    ["导入测试乙新能源科技有限公司", USCC[1], "新能源", "", "东昌府区", "", "12,000"],
    ["导入测试丙生物制造有限公司", "", "生物制造", "瞪羚", "东昌府区", "进位领跑", ""],
]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, data: bytes, name="targets.xlsx", kind="proposals"):
    return client.post("/imports/", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")  # fmt: skip


@pytest.fixture
def head(make_user, login):
    user = make_user("county_head", "371502", username="head_dcf_t")
    return user, login(user)


def test_the_template_downloads_with_chinese_headers_and_imports_cleanly(head):
    _user, client = head
    response = client.get("/imports/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    headers = [c.value for c in book["目标企业"][1]]
    assert headers[0] == "企业名称*" and "目标县(市、区)" in headers and "计划总投资(万元)" in headers
    preview = client.get(upload(client, response.data, "模板.xlsx").headers["Location"]).data.decode()
    assert 'data-count-create="1"' in preview and 'data-count-reject="0"' in preview


def test_an_xlsx_is_checked_then_imported_in_one_go(head):
    user, client = head
    location = upload(client, xlsx(GOOD)).headers["Location"]
    page = client.get(location).data.decode()
    assert 'data-count-create="3"' in page and 'data-count-reject="0"' in page
    assert count(Enterprise) == 0  # the dry run writes nothing
    response = client.post(location, data={"confirm": "1"})
    assert response.status_code == 302
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.created_count, batch.updated_count, batch.skipped_count, batch.created_by_id) == (
        3,
        0,
        0,
        user.id,
    )
    entries = db.session.scalars(select(WhitelistEntry).order_by(WhitelistEntry.id)).all()
    assert [e.state for e in entries] == [State.PROPOSED] * 3
    assert entries[0].campaign == "duobiao" and entries[0].planned_investment == 50000
    assert entries[1].planned_investment == 12000  # thousands separators are fine
    assert sorted(c.tag.name for c in entries[0].enterprise.categories) == ["世界500强", "央企"]
    assert entries[0].region.name == "东昌府区" and entries[0].industry.name == "装备制造"
    assert count(ImportItem) == 3
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.action == "propose")) == 3


def test_a_gbk_csv_imports_too(head):
    _user, client = head
    text = "企业名称,统一社会信用代码,所属产业,目标县(市、区)\n" + "\n".join(
        f"{r[0]},{r[1]},{r[2]},{r[4]}" for r in GOOD
    )
    location = upload(client, text.encode("gbk"), "名单.csv").headers["Location"]
    assert 'data-count-create="3"' in client.get(location).data.decode()
    client.post(location, data={"confirm": "1"})
    assert sorted(db.session.scalars(select(Enterprise.name))) == sorted(r[0] for r in GOOD)
    utf8 = upload(client, ("\ufeff" + text).encode("utf-8"), "utf8.csv")
    assert "preview" in utf8.headers["Location"]


def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(head):
    _user, client = head
    rows = [*GOOD, ["", "", "", "", "东昌府区", "", ""], ["导入测试丁有限公司", "91371500MA3C8X2Y4K", "不存在的产业",
                                                         "", "东昌府区", "", "很多"]]  # fmt: skip
    location = upload(client, xlsx(rows)).headers["Location"]
    page = client.get(location).data.decode()
    assert 'data-count-reject="2"' in page
    assert "第 5 行" in page and "企业名称" in page
    assert (
        "第 6 行，统一社会信用代码列" in page
        and "第 6 行，所属产业列" in page
        and "第 6 行，计划总投资(万元)列" in page
    )
    response = client.post(location, data={"confirm": "1"})
    assert response.status_code == 200
    assert count(Enterprise) == 0 and count(ImportBatch) == 0


def test_a_crash_midway_writes_nothing(head, monkeypatch):
    user, _client = head
    plan = services.dry_run(user, read_table("t.xlsx", xlsx(GOOD)), auto_mapping(HEADERS), "proposals")
    real, calls = wf.propose, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(wf, "propose", flaky)
    with pytest.raises(RuntimeError):
        services.commit(user, plan, "t.xlsx", pytest.importorskip("crm.types").utcnow())
    assert (count(Enterprise), count(WhitelistEntry), count(ImportBatch), count(Event)) == (0, 0, 0, 0)


def test_existing_credit_code_updates_and_look_alikes_are_flagged(head, make_enterprise, now):
    user, client = head
    make_enterprise(user, name="已有甲精密机械有限公司", uscc=USCC[0])
    make_enterprise(user, name="导入测试乙新能源科技股份有限公司")  # the same name but for the legal form
    db.session.commit()
    rows = [*GOOD, ["导入测试丙生物制造有限公司", "", "", "", "东昌府区", "", ""]]  # twice in the file
    location = upload(client, xlsx(rows, tweak=None), kind="enterprises").headers["Location"]
    page = client.get(location).data.decode()
    assert (
        'data-count-update="1"' in page
        and 'data-count-duplicate="2"' in page
        and 'data-count-create="1"' in page
    )
    assert "已有甲精密机械有限公司" in page and "与第 4 行名称相同" in page
    client.post(location, data={"confirm": "1"})
    updated = db.session.scalar(select(Enterprise).where(Enterprise.uscc == USCC[0]))
    assert updated.name == "导入测试甲精密机械有限公司" and updated.industry.name == "装备制造"
    assert {c.tag.name for c in updated.categories} == {"世界500强", "央企"}
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.created_count, batch.updated_count, batch.skipped_count) == (1, 1, 2)
    assert count(WhitelistEntry) == 0  # an enterprises-only import proposes nothing


def test_flagged_rows_can_be_imported_on_purpose(head, make_enterprise):
    user, client = head
    make_enterprise(user, name="导入测试乙新能源科技股份有限公司")
    location = upload(client, xlsx(GOOD)).headers["Location"]
    client.post(location, data={"confirm": "1", "include_flagged": "1"})
    assert db.session.scalar(select(ImportBatch)).created_count == 3


def test_the_same_credit_code_twice_in_a_file_is_rejected(head):
    _user, client = head
    rows = [GOOD[0], [GOOD[0][0] + "二", *GOOD[0][1:]]]
    page = client.get(upload(client, xlsx(rows)).headers["Location"]).data.decode()
    assert "与第 2 行的信用代码重复" in page and 'data-count-reject="1"' in page


def test_a_repeat_proposal_is_rejected_and_another_countys_row_skipped(head, make_enterprise, make_entry):
    user, client = head
    existing = make_enterprise(user, name="已在本县企业有限公司", uscc=USCC[2])
    make_entry(user, enterprise=existing)
    rows = [
        ["已在本县企业有限公司", USCC[2], "", "", "东昌府区", "", ""],
        ["外县企业有限公司", "", "", "", "茌平区", "", ""],
    ]
    page = client.get(upload(client, xlsx(rows)).headers["Location"]).data.decode()
    assert "已在东昌府区的白名单中" in page and 'data-count-reject="1"' in page
    assert 'data-count-outside="1"' in page and "属于茌平区：跳过" in page


def test_headers_that_differ_are_mapped_by_synonym_or_by_hand(head):
    _user, client = head
    data = xlsx([["映射测试有限公司", "东昌府区", "x"]], headers=["公司名称", "县区", "别的"])
    location = upload(client, data).headers["Location"]
    assert 'data-count-create="1"' in client.get(location).data.decode()  # 公司名称 and 县区 are known names
    odd = xlsx([["映射测试二有限公司", "东昌府区"]], headers=["单位", "地方"])
    location = upload(client, odd).headers["Location"]
    page = client.get(location).data.decode()
    assert 'data-testid="missing"' in page and "企业名称" in page
    mapped = client.get(f"{location}?map_name=0&map_region=1").data.decode()
    assert 'data-count-create="1"' in mapped
    client.post(location, data={"confirm": "1", "map_name": "0", "map_region": "1"})
    assert db.session.scalar(select(Enterprise.name)) == "映射测试二有限公司"


def merged(sheet):
    sheet.merge_cells("A2:A3")


def formula(sheet):
    sheet["G2"] = "=1+1"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("targets.xlsx", b"", "文件是空的"),
        ("targets.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "不是可读取的 Excel"),
        ("targets.exe", b"MZ" + b"0" * 100, "请选择 Excel (.xlsx) 或 CSV 文件"),
        ("targets.xls", b"\xd0\xcf\x11\xe0" + b"0" * 100, "另存为 .xlsx"),
        ("targets.xlsx", xlsx([]), "只有表头"),
        ("targets.xlsx", xlsx(GOOD, tweak=merged), "合并单元格"),
        ("targets.xlsx", xlsx(GOOD, tweak=formula), "G2"),
        (
            "targets.csv",
            "企业名称\n".encode() + bytes([0xFF, 0xFE, 0x00, 0x81]) * 10,
            "既不是 UTF-8 也不是 GBK",
        ),
    ],
)
def test_broken_files_are_refused_with_a_reason(head, name, data, message):
    _user, client = head
    response = upload(client, data, name)
    assert response.status_code == 200
    page = response.data.decode()
    assert message in page, page[:2000]
    assert 'value="proposals" checked' in page  # the form is shown again as it was
    assert count(Enterprise) == 0


def test_a_file_over_the_limit_is_refused(head, app):
    _user, client = head
    response = upload(client, b"0" * (20 * 2**20), "big.xlsx")
    assert response.status_code == 413
    assert count(Enterprise) == 0
    app.config["IMPORT_MAX_BYTES"], before = 1000, app.config["IMPORT_MAX_BYTES"]
    try:
        assert "超过" in upload(client, xlsx(GOOD)).data.decode()
    finally:
        app.config["IMPORT_MAX_BYTES"] = before


def test_revert_removes_what_was_created_and_restores_what_was_updated(head, make_enterprise):
    user, client = head
    make_enterprise(user, name="已有甲精密机械有限公司", uscc=USCC[0], hq="济南")
    location = upload(client, xlsx(GOOD)).headers["Location"]
    client.post(location, data={"confirm": "1"})
    batch = db.session.scalar(select(ImportBatch))
    assert count(Enterprise) == 3 and count(WhitelistEntry) == 3
    response = client.post(f"/imports/batches/{batch.id}/revert")
    assert response.status_code == 302
    db.session.expire_all()
    assert count(WhitelistEntry) == 0
    assert list(db.session.scalars(select(Enterprise.name))) == ["已有甲精密机械有限公司"]
    restored = db.session.scalar(select(Enterprise))
    assert restored.hq == "济南" and restored.industry is None and restored.categories == []
    assert db.session.get(ImportBatch, batch.id).status == "reverted"
    assert "已撤销" in client.get(f"/imports/batches/{batch.id}").data.decode()


def test_revert_is_refused_once_rows_were_worked_on(head, make_user, now):
    user, client = head
    client.post(upload(client, xlsx(GOOD)).headers["Location"], data={"confirm": "1"})
    entry = db.session.scalar(select(WhitelistEntry).order_by(WhitelistEntry.id))
    wf.approve(make_user("manager"), entry, now)
    batch = db.session.scalar(select(ImportBatch))
    page = client.post(f"/imports/batches/{batch.id}/revert", follow_redirects=True).data.decode()
    assert "不能撤销" in page
    assert count(WhitelistEntry) == 3 and db.session.get(ImportBatch, batch.id).status == "committed"


def test_who_may_import_and_revert(make_user, login, head):
    user, client = head
    client.post(upload(client, xlsx(GOOD)).headers["Location"], data={"confirm": "1"})
    batch = db.session.scalar(select(ImportBatch))
    member = login(make_user("member", "371502"))
    assert member.get("/imports/").status_code == 403
    other_head = login(make_user("county_head", "371503"))
    assert other_head.get(f"/imports/batches/{batch.id}").status_code == 404
    assert other_head.post(f"/imports/batches/{batch.id}/revert").status_code == 404
    location = upload(login(user), xlsx(GOOD)).headers["Location"]
    assert login(make_user("lead", "371502")).get(location).status_code == 404  # someone else's upload
    assert login(make_user("manager")).get(f"/imports/batches/{batch.id}").status_code == 200


def test_every_column_is_in_the_template():
    assert len({c.header for c in COLUMNS}) == len(COLUMNS)
    assert auto_mapping([c.header for c in COLUMNS]) == {c.key: i for i, c in enumerate(COLUMNS)}


def test_an_import_a_merge_touched_cannot_be_reverted(head, make_user, now):
    from crm.enterprises import merge

    _user, client = head
    client.post(upload(client, xlsx(GOOD[:2]), kind="enterprises").headers["Location"], data={"confirm": "1"})
    first, second = db.session.scalars(select(Enterprise).order_by(Enterprise.id)).all()
    merge.merge(make_user("manager"), first, second, "同一家企业", first.version, second.version, now)
    batch = db.session.scalar(select(ImportBatch))
    page = client.post(f"/imports/batches/{batch.id}/revert", follow_redirects=True).data.decode()
    assert "不能撤销" in page
    assert db.session.get(Enterprise, first.id) is not None
    assert db.session.get(ImportBatch, batch.id).status == "committed"


def test_the_upload_script_gets_the_next_address_as_json(head):
    _user, client = head
    response = client.post("/imports/", data={"kind": "proposals", "file": (io.BytesIO(xlsx(GOOD)), "t.xlsx")},
                           content_type="multipart/form-data", headers={"X-Requested-With": "XMLHttpRequest"})  # fmt: skip
    assert response.status_code == 200 and response.json["location"].startswith("/imports/preview/")
