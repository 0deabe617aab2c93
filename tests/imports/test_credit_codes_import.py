"""Credit codes through the importer: hyphenated (19 characters) and full-width codes are stored as their 18 ASCII
characters (on PostgreSQL the commit used to fail on varchar(18)), a later row with the clean code updates the same
enterprise, a 项目台账 row finds its target by a messy code; and a commit the database refuses writes nothing and
says so in words."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, func, select

from crm.enterprises.models import Enterprise, EnterpriseCategory
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports import services
from crm.imports.columns import auto_mapping
from crm.imports.models import ImportBatch, ImportItem
from crm.imports.reader import read_table
from crm.refdata.models import CategoryTag
from crm.types import utcnow
from crm.whitelist.models import Event, WhitelistEntry
from tests.imports.conftest import dry

CODE_A, CODE_B = "91340600MA2PBM9HXD", "914403001922038216"
HYPHENATED_A = "91340600-MA2PBM9HXD"  # 19 characters: did not fit varchar(18) on PostgreSQL
FULL_WIDTH_B = "９１４４０３００１９２２０３８２１６"
HEADERS = ["企业名称", "统一社会信用代码", "所属产业", "企业类别", "目标县(市、区)"]


def xlsx(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, kind: str, name: str = "名单.xlsx") -> str:
    response = client.post("/imports/", data={"kind": kind, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")  # fmt: skip
    return response.headers["Location"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def head(make_user, login):
    user = make_user("county_head", "371502", username="head_codes")
    return user, login(user)


def test_messy_codes_are_stored_as_18_ascii_characters_and_the_clean_code_is_the_same_enterprise(head):
    _user, client = head
    rows = [["代码测试甲新材料有限公司", HYPHENATED_A, "装备制造", "", "东昌府区"],
            ["代码测试乙电子有限公司", FULL_WIDTH_B, "新能源", "", "东昌府区"]]  # fmt: skip
    location = upload(client, xlsx(rows), "proposals")
    assert 'data-count-create="2"' in client.get(location).data.decode()
    assert client.post(location, data={"confirm": "1"}).status_code == 302  # commits cleanly, PostgreSQL too
    stored = dict(db.session.execute(select(Enterprise.name, Enterprise.uscc)).all())
    assert stored == {"代码测试甲新材料有限公司": CODE_A, "代码测试乙电子有限公司": CODE_B}
    # A later file with the clean codes (and the names written differently) updates the same two records.
    later = [["代码测试甲新材料股份公司", CODE_A, "", "", ""], ["乙电子", " " + CODE_B.lower(), "", "", ""]]
    location = upload(client, xlsx(later), "enterprises")
    page = client.get(location).data.decode()
    assert 'data-count-update="2"' in page and 'data-count-create="0"' in page
    client.post(location, data={"confirm": "1"})
    assert count(Enterprise) == 2
    # The same record, updated (a short name the legal name contains does not replace it; a new one does).
    assert (
        db.session.scalar(select(Enterprise.name).where(Enterprise.uscc == CODE_B))
        == "代码测试乙电子有限公司"
    )
    assert (
        db.session.scalar(select(Enterprise.name).where(Enterprise.uscc == CODE_A))
        == "代码测试甲新材料股份公司"
    )


def test_a_code_typed_twice_in_one_file_in_two_spellings_is_caught(head):
    user, _client = head
    table = read_table("t.xlsx", xlsx([["甲公司", HYPHENATED_A, "", "", ""], ["乙公司", CODE_A, "", "", ""]]))
    plan = services.dry_run(user, table, auto_mapping(table.headers), "enterprises")
    assert [r.action for r in plan.rows] == ["create", "reject"]
    assert plan.rows[1].errors == [("统一社会信用代码", "与第 2 行的信用代码重复。")]


def test_a_project_row_finds_its_target_by_a_messy_code(targets):
    p, t = targets
    t["bearing"].enterprise.uscc = CODE_A
    db.session.commit()
    headers = ["企业名称", "统一社会信用代码", "提报县区", "项目名称", "落地县区/功能区", "协议类型", "签约日期",
               "签约金额（万元）"]  # fmt: skip
    messy = "９１３４０６００－ＭＡ２ＰＢＭ９ＨＸＤ\u200b"
    plan = dry(
        p["head"],
        "projects",
        headers,
        [["", messy, "", "按代码找到的项目", "", "正式合同", "2027-01-05", "5000"]],
    )
    assert plan.rows[0].action == "create" and plan.rows[0].entry_id == t["bearing"].id


def _nothing_written() -> bool:
    return (count(Enterprise), count(WhitelistEntry), count(ImportBatch), count(ImportItem), count(Event)) == (
        0, 0, 0, 0, 0
    )  # fmt: skip


def test_a_commit_the_database_refuses_writes_nothing_and_says_why(head, app):
    """A category removed between the preview and the commit: the enterprise's category row then points at
    nothing, and the database (SQLite and PostgreSQL alike) refuses it with an IntegrityError."""
    user, _client = head
    tag = CategoryTag(code="temp_tag", name="临时类别", active=True)
    db.session.add(tag)
    db.session.commit()
    rows = [["拒绝测试甲有限公司", CODE_A, "", "", ""], ["拒绝测试乙有限公司", "", "", "临时类别", ""]]
    plan = services.dry_run(user, read_table("t.xlsx", xlsx(rows)), auto_mapping(HEADERS), "enterprises")
    assert [r.action for r in plan.rows] == ["create", "create"]
    db.session.execute(delete(CategoryTag).where(CategoryTag.id == tag.id))
    db.session.commit()
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        services.commit(user, plan, "t.xlsx", utcnow())
    message = str(refused.value)
    assert "第 3 行" in message and "基础数据在预览后已被删除" in message and "未导入任何数据" in message
    assert _nothing_written() and count(EnterpriseCategory) == 0


def test_a_value_too_long_for_its_column_on_postgresql_is_refused_in_words(head, app):
    """PostgreSQL enforces varchar lengths (SQLite does not): a value the dry run let through that does not fit is
    a DataError, rolled back and reported; nothing is written."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce column lengths")
    user, _client = head
    rows = [["长度测试甲有限公司", CODE_A, "", "", ""], ["长度测试乙有限公司", "", "", "", ""]]
    plan = services.dry_run(user, read_table("t.xlsx", xlsx(rows)), auto_mapping(HEADERS), "enterprises")
    plan.rows[1].enterprise.hq = "很长的总部地址" * 30  # enterprises.hq is varchar(128)
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        services.commit(user, plan, "t.xlsx", utcnow())
    assert "第 3 行" in str(refused.value) and "超出字段长度" in str(refused.value)
    assert _nothing_written()


def test_the_preview_shows_the_databases_refusal_as_a_message(head, app, monkeypatch):
    """Through the screen: the confirm shows the refusal on the preview page (no 500) and writes nothing. The
    refusal is real: the category is removed by the database between the screen's dry run and its commit."""
    _user, client = head
    tag = CategoryTag(code="temp_tag2", name="临时类别二", active=True)
    db.session.add(tag)
    db.session.commit()
    location = upload(client, xlsx([["界面测试有限公司", "", "", "临时类别二", ""]]), "enterprises")
    real_dry_run = services.dry_run

    def then_remove_the_tag(*args, **kwargs):
        plan = real_dry_run(*args, **kwargs)
        db.session.execute(delete(CategoryTag).where(CategoryTag.code == "temp_tag2"))
        db.session.commit()
        return plan

    monkeypatch.setattr(services, "dry_run", then_remove_the_tag)
    response = client.post(location, data={"confirm": "1"})
    page = response.data.decode()
    assert response.status_code == 200 and "基础数据在预览后已被删除" in page and "未导入任何数据" in page
    assert _nothing_written()
